/**
 * How the CLI fails: with `--format json` every failure is one JSON error object on stdout as
 * well as the message on stderr, and a typo in a flag is named as one (with a suggestion) instead
 * of being reported as a required flag gone missing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, makeRepo, type CliResult } from '../git/helpers';

interface JsonError {
  error: { code: string; message: string; exitCode: number };
}

/**
 * The stderr message of a failure: from its `error: ` line on (progress lines may come first),
 * without that prefix and without commander's help hint.
 */
function stderrMessage(r: CliResult): string {
  const at = r.stderr.startsWith('error: ') ? 0 : r.stderr.indexOf('\nerror: ') + 1;
  assert.ok(at >= 0 && r.stderr.startsWith('error: ', at), `no error line in: ${r.stderr}`);
  return r.stderr
    .slice(at + 'error: '.length)
    .replace(/\n\(run with --help for usage\)\n$/, '')
    .trimEnd();
}

/** Asserts the failure's exit code and that stdout is exactly one error object saying the same. */
function assertJsonError(r: CliResult, code: string, exitCode: number): JsonError {
  assert.equal(r.code, exitCode, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.notEqual(r.stdout, '', 'stdout must not be empty with --format json');
  const json = JSON.parse(r.stdout) as JsonError;
  assert.deepEqual(Object.keys(json), ['error']);
  assert.deepEqual(json.error, { code, message: stderrMessage(r), exitCode });
  return json;
}

describe('--format json failures print one error object on stdout', () => {
  const repo = makeRepo();
  const D = 'payment-service';

  it('every command, on an unknown deployment (exit 2), keeps its stderr message', () => {
    for (const args of [
      ['promotion-graph', 'nope'],
      ['promotion-status', 'nope'],
      ['rollout', 'nope', '--target', 'dev'],
      ['approve', 'nope', '--target', 'staging', '--promote-from', 'dev'],
      ['history', 'nope'],
      ['rollback', 'nope', '--target', 'dev', '--to', '2025-01-22T12-00-00Z'],
    ]) {
      const r = cli(repo, [...args, '--format', 'json']);
      const json = assertJsonError(r, 'usage', 2);
      assert.match(json.error.message, /^Unknown deployment 'nope'\. Known deployments: /);
      assert.match(r.stderr, /^error: Unknown deployment 'nope'\./);
    }
    assertJsonError(cli(repo, ['validate', 'does/not/exist.yaml', '--format', 'json']), 'usage', 2);
  });

  it('a refusal (exit 1), a missing approval (exit 3) and bad flag values (exit 2)', () => {
    const refused = cli(repo, ['rollout', D, '--target', 'staging', '--promote-from', 'dev']);
    assert.equal(refused.stdout, '', 'text format: stdout stays empty on failure');
    const refusedJson = cli(repo, [
      'rollout',
      D,
      '--target',
      'staging',
      '--promote-from',
      'dev',
      '--format',
      'json',
    ]);
    assert.equal(
      assertJsonError(refusedJson, 'refused', 1).error.message,
      'Cannot promote from dev: nothing is deployed there yet for payment-service.',
    );

    assert.equal(cli(repo, ['rollout', D, '--target', 'dev']).code, 0);
    assert.equal(cli(repo, ['rollout', D, '--target', 'staging', '--promote-from', 'dev']).code, 0);
    const missing = cli(repo, [
      'rollout',
      D,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--format',
      'json',
    ]);
    assertJsonError(missing, 'approval-missing', 3);
    const approval = cli(repo, [
      'approve',
      D,
      '--target',
      'prod',
      '--promote-from',
      'dev',
      '--format',
      'json',
    ]);
    assertJsonError(approval, 'refused', 1);

    for (const args of [
      ['rollout', D, '--target', 'dev', '--metadata', 'no-equals-sign'],
      ['history', D, '--limit', 'all'],
      ['history', D, '--target', 'qa'],
      ['promotion-status', D, '--cwd', '/no/such/folder'],
      ['promotion-graph', D, '--max-depth', 'deep'],
    ]) {
      assertJsonError(cli(repo, [...args, '--format', 'json']), 'usage', 2);
    }
  });

  it('usage errors commander raises, when --format json is on the command line', () => {
    const typo = assertJsonError(
      cli(repo, ['rollout', D, '--taget', 'prod', '--format', 'json']),
      'usage',
      2,
    );
    assert.equal(typo.error.message, "unknown option '--taget'\n(Did you mean --target?)");
    assertJsonError(cli(repo, ['rollout', D, '--format=json']), 'usage', 2);
    assertJsonError(cli(repo, ['rollout', '--target', 'dev', '--format', 'json']), 'usage', 2);
    assertJsonError(cli(repo, ['rollot', D, '--format', 'json']), 'usage', 2);
    // Without --format json nothing reaches stdout, as before.
    for (const args of [
      ['rollout', D, '--taget', 'prod'],
      ['rollout', D, '--format', 'text', '--taget', 'prod'],
      ['rollout', D, '--format', 'json', '--format', 'text', '--taget', 'prod'],
    ]) {
      const r = cli(repo, args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '', args.join(' '));
    }
  });

  it('a failed --exec deploy step: the result it printed gains the same error member', () => {
    const fresh = makeRepo();
    const r = cli(fresh, [
      'rollout',
      D,
      '--target',
      'dev',
      '--component',
      'api',
      '--exec',
      'false',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const json = JSON.parse(r.stdout) as JsonError & { ok: boolean; message: string };
    assert.equal(json.ok, false);
    assert.deepEqual(json.error, { code: 'deploy-failed', message: json.message, exitCode: 1 });
    const ok = JSON.parse(
      cli(fresh, ['rollout', D, '--target', 'dev', '--component', 'api', '--format', 'json'])
        .stdout,
    ) as { ok: boolean; error?: unknown };
    assert.equal(ok.ok, true);
    assert.equal(ok.error, undefined, 'a success has no error member');
  });
});

describe('flag typos and missing required flags', () => {
  const repo = makeRepo();
  const D = 'payment-service';

  it('a typo in a required flag is named as an unknown option with the nearest known one', () => {
    const r = cli(repo, ['rollout', D, '--taget', 'prod', '--git-sha', 'HEAD']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "error: unknown option '--taget'\n(Did you mean --target?)\n(run with --help for usage)\n",
    );
    for (const [args, typo, meant] of [
      [
        ['rollout', D, '--target', 'staging', '--promote-form', 'dev'],
        'promote-form',
        'promote-from',
      ],
      [
        ['approve', D, '--target', 'prod', '--promote-fro', 'staging'],
        'promote-fro',
        'promote-from',
      ],
      [['rollback', D, '--targte', 'dev', '--to', 'x'], 'targte', 'target'],
      [['rollback', D, '--target', 'dev', '--too', 'x'], 'too', 'to'],
    ] as const) {
      const t = cli(repo, [...args]);
      assert.equal(t.code, 2, args.join(' '));
      assert.match(t.stderr, new RegExp(`^error: unknown option '--${typo}'\\n`));
      assert.match(t.stderr, new RegExp(`\\(Did you mean --${meant}\\?\\)`));
      assert.doesNotMatch(t.stderr, /required option/);
    }
  });

  it('a missing required flag is named, with exit 2', () => {
    for (const [args, flag] of [
      [['rollout', D, '--git-sha', 'HEAD'], "'--target <target>'"],
      [['approve', D, '--promote-from', 'staging'], "'--target <target>'"],
      [['rollback', D, '--target', 'dev'], "'--to <tag-or-timestamp>'"],
    ] as const) {
      const r = cli(repo, [...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(
        r.stderr,
        `error: required option ${flag} not specified\n(run with --help for usage)\n`,
      );
      assert.equal(r.stdout, '');
    }
    // `approve` takes either source: a promotion's or a commit rollout's (issue 16, class 7).
    const r = cli(repo, ['approve', D, '--target', 'prod']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Pass --promote-from <source> .* or --git-sha <commit> /);
    assert.equal(r.stdout, '');
  });
});

describe('look-alike names on the command line', () => {
  const repo = makeRepo();
  const D = 'payment-service';

  it('--target prоd (Cyrillic о) is refused with the invalid-name message, exit 2', () => {
    const expected =
      "Invalid target name 'pr\u043Ed': it contains U+043E CYRILLIC SMALL LETTER O, which is not ASCII. Names become git refs; use ASCII letters, digits, '-', '_' and '.'.";
    for (const args of [
      ['rollout', D, '--target', 'pr\u043Ed', '--promote-from', 'staging'],
      ['rollout', D, '--target', 'pr\u043Ed', '--git-sha', 'HEAD'],
      ['approve', D, '--target', 'pr\u043Ed', '--promote-from', 'staging'],
    ]) {
      const r = cli(repo, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(stderrMessage(r), expected, args.join(' '));
      const json = assertJsonError(cli(repo, [...args, '--format', 'json']), 'usage', 2);
      assert.equal(json.error.message, expected);
    }
  });

  it('--promote-from stagіng (Ukrainian і) is refused the same way', () => {
    const r = cli(repo, ['rollout', D, '--target', 'prod', '--promote-from', 'stag\u0456ng']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      stderrMessage(r),
      /^Invalid target name 'stag\u0456ng': it contains U\+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, which is not ASCII\./,
    );
  });
});
