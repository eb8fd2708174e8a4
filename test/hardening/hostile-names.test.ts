// Hostile deployment, target and component names: `invalid-name` from `validate` and from the
// language server at the name itself, and proof that nothing reaches git: every ref identical
// before and after, no file created by a shell, `git fsck` clean. test/cli/git-commands.test.ts
// already feeds such names as CLI arguments against a valid file; this file covers names
// written in the deployment file, the remaining arguments (--git-sha, --to, history filters,
// approve), the language server's write requests, and free text (build id, metadata, approver)
// that must not forge fields of the tag message or the approval note.
// Run: node esbuild.mjs && npx tsx --test test/hardening/hostile-names.test.ts
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Harness } from '../lsp/harness';
import {
  cli,
  cliStart,
  ENV,
  fsckClean,
  git,
  head,
  makeRepo,
  PAYMENT_SERVICE,
} from '../git/helpers';
import type { CliResult } from '../git/helpers';
import { findFiles, GIT_UNAVAILABLE, isolateGitEnv, refSnapshot, waitForGit } from './git-fixtures';

isolateGitEnv();

const NAMES = [
  '../../heads/main',
  '--upload-pack=touch pwned',
  '--upload-pack=touch',
  '$(touch pwned)',
  '`touch pwned`',
  'a\nb',
  'HEAD',
  'FETCH_HEAD',
  'pay\u202Elatot',
  '\u200B',
  'dev\u200B',
  '<img src=x onerror=alert(1)>',
  'main.lock',
  '@{-1}',
  'x y',
];

/** `--git-sha` takes a revision, and HEAD, FETCH_HEAD and @{-1} are real ones: not hostile there. */
const REVISION_NAMES = NAMES.filter((n) => !['HEAD', 'FETCH_HEAD', '@{-1}'].includes(n));

type Kind = 'deployment' | 'target' | 'component';
const KINDS: Kind[] = ['deployment', 'target', 'component'];

/** A deployment file with `name` as the deployment, target or component name, and its line. */
function hostileFile(kind: Kind, name: string, i: number): { text: string; line: number } {
  const q = (s: string) => JSON.stringify(s);
  const dep = kind === 'deployment' ? q(name) : `${kind}-${i}`;
  const comp = kind === 'component' ? q(name) : 'api';
  const target = kind === 'target' ? q(name) : 'prod';
  const text = `deployment:
  name: ${dep}
  components:
    terraform:
      ${comp}: {}
  targets:
    dev: {}
    ${target}:
      promotion:
        from: dev
`;
  return { text, line: { deployment: 1, component: 4, target: 7 }[kind] };
}

/** Runs CLI commands four at a time (each is refused, so their order does not matter). */
async function cliAll(dir: string, commands: string[][]): Promise<Array<CliResult>> {
  const results: CliResult[] = new Array(commands.length);
  let next = 0;
  const worker = async () => {
    while (next < commands.length) {
      const i = next++;
      results[i] = await cliStart(dir, commands[i]).done;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

const CASES = KINDS.flatMap((kind) =>
  NAMES.map((name, i) => ({
    kind,
    name,
    rel: `deployments/${kind}-${i}.yaml`,
    ...hostileFile(kind, name, i),
  })),
);

/** Invisible and direction-changing characters must reach the user escaped, never raw. */
const RAW_INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;

describe('invalid-name for hostile names written in the file', () => {
  test('CLI validate --format json: each at its line, escaped, exit 1', () => {
    const dir = makeRepo();
    for (const c of CASES) writeFileSync(path.join(dir, c.rel), c.text);
    const r = cli(dir, ['validate', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as {
      files: number;
      diagnostics: Array<{ file: string; line: number; code: string; message: string }>;
    };
    assert.equal(out.files, CASES.length + 1);
    for (const c of CASES) {
      const mine = out.diagnostics.filter((d) => d.file === c.rel);
      const hit = mine.find((d) => d.code === 'invalid-name' && d.line === c.line + 1);
      assert.ok(hit, `${c.kind} ${JSON.stringify(c.name)}: ${JSON.stringify(mine)}`);
      assert.match(hit.message, new RegExp(`^Invalid ${c.kind} name '`));
      assert.doesNotMatch(hit.message, RAW_INVISIBLE);
      assert.ok(!hit.message.includes('\n'), 'a newline in the name is shown escaped');
    }
  });

  test('language server: each file indexed at start gets invalid-name at the name', async () => {
    const files = Object.fromEntries(CASES.map((c) => [c.rel, c.text]));
    const h = await Harness.start({ files });
    try {
      for (const c of CASES) {
        const d = await h.diagnostics(h.uri(c.rel), (l) => l.length > 0);
        const hit = d.find((x) => x.code === 'invalid-name' && x.range.start.line === c.line);
        assert.ok(hit, `${c.kind} ${JSON.stringify(c.name)}: ${JSON.stringify(d)}`);
        assert.match(hit.message, new RegExp(`^Invalid ${c.kind} name '`));
        assert.doesNotMatch(hit.message, RAW_INVISIBLE);
      }
      assert.equal(h.exited, null);
    } finally {
      await h.stop();
    }
  });
});

describe('hostile names never reach git', () => {
  let dir: string;
  let before0: string;
  const roots = () => [dir, ENV.HOME!];

  before(() => {
    dir = makeRepo();
    // Records to protect: dev and staging deployed, so every command has something to change.
    assert.equal(cli(dir, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
    assert.equal(
      cli(dir, ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    mkdirSync(path.join(dir, 'deployments'), { recursive: true });
    for (const c of CASES) writeFileSync(path.join(dir, c.rel), c.text);
    git(dir, ['add', '.']);
    git(dir, ['commit', '-q', '-m', 'hostile files']);
    before0 = refSnapshot(dir);
  });

  function assertUntouched(what: string) {
    assert.equal(refSnapshot(dir), before0, `${what}: refs changed`);
    assert.deepEqual(findFiles(roots(), 'pwned'), [], `${what}: a shell ran`);
  }

  test('rollout and approve of files that hold a hostile name: refused, nothing written', async () => {
    const commands = CASES.flatMap((c) => {
      const dep = c.kind === 'deployment' ? c.name : `${c.kind}-${NAMES.indexOf(c.name)}`;
      const target = c.kind === 'target' ? c.name : 'prod';
      // Each command loads the file first; one per file, plus approve where the target is hostile.
      if (c.kind === 'component') return [['rollout', dep, '--target', 'dev']];
      if (c.kind === 'deployment') return [['rollout', dep, '--target', 'dev', '--approve']];
      return [
        ['rollout', dep, '--target', target, '--promote-from', 'dev', '--approve'],
        ['approve', dep, '--target', target, '--promote-from', 'dev'],
      ];
    });
    const results = await cliAll(dir, commands);
    results.forEach((r, i) => {
      const what = `${JSON.stringify(commands[i])} → ${r.code}\n${r.stdout}${r.stderr}`;
      assert.ok(r.code === 1 || r.code === 2, what);
      // commander refuses a value that looks like an option before our checks run.
      assert.match(
        r.stderr,
        /Invalid \w+ name|has \d+ errors?|Unknown deployment|unknown option/,
        what,
      );
    });
    assertUntouched('file names');
    assert.ok(fsckClean(dir));
  });

  test('--git-sha, rollback --to, history filters and approve sources: refused or empty', async () => {
    const commands = NAMES.flatMap((name) => [
      ...(REVISION_NAMES.includes(name)
        ? [['rollout', 'payment-service', '--target', 'dev', '--git-sha', name]]
        : []),
      ['rollback', 'payment-service', '--target', 'dev', '--to', name, '--approve'],
      ['approve', 'payment-service', '--target', 'prod', '--promote-from', name],
      ['history', 'payment-service', '--target', name],
      ['history', 'payment-service', '--component', name],
    ]);
    const results = await cliAll(dir, commands);
    results.forEach((r, i) => {
      const what = `${JSON.stringify(commands[i])} → ${r.code}\n${r.stdout}${r.stderr}`;
      if (commands[i][0] === 'history') assert.doesNotMatch(r.stdout, /atmos\/deployments/, what);
      else assert.ok(r.code === 1 || r.code === 2, what);
    });
    assertUntouched('arguments');
    assert.ok(fsckClean(dir));
  });

  test('language server write requests with hostile names: errors, nothing written', async () => {
    const h = await Harness.startIn(dir);
    try {
      await waitForGit(h, 'payment-service');
      const calls: Array<[string, Record<string, unknown>]> = [];
      for (const name of NAMES) {
        calls.push(
          ['atmosDeployments/applyRollout', { deployment: name, target: 'dev', approve: true }],
          [
            'atmosDeployments/applyRollout',
            { deployment: 'payment-service', target: name, approve: true },
          ],
          [
            'atmosDeployments/applyRollout',
            { deployment: 'payment-service', target: 'prod', promoteFrom: name, approve: true },
          ],
          [
            'atmosDeployments/applyRollout',
            { deployment: 'payment-service', target: 'dev', components: [name], approve: true },
          ],
          ...(REVISION_NAMES.includes(name)
            ? [
                [
                  'atmosDeployments/applyRollout',
                  { deployment: 'payment-service', target: 'dev', gitSha: name },
                ] as [string, Record<string, unknown>],
              ]
            : []),
          [
            'atmosDeployments/approve',
            { deployment: 'payment-service', target: 'prod', promoteFrom: name },
          ],
          [
            'atmosDeployments/approve',
            { deployment: 'payment-service', target: name, promoteFrom: 'staging' },
          ],
          [
            'atmosDeployments/rollback',
            { deployment: 'payment-service', target: 'dev', to: name, approve: true },
          ],
          [
            'atmosDeployments/rollback',
            { deployment: 'payment-service', target: name, to: 'x', approve: true },
          ],
        );
      }
      for (const [method, params] of calls) {
        await assert.rejects(
          h.request(method, params),
          (err: { code: number }) => err.code !== GIT_UNAVAILABLE,
          `${method} ${JSON.stringify(params)}`,
        );
      }
      for (const name of NAMES) {
        const r = await h
          .request<{ entries: unknown[] }>('atmosDeployments/history', {
            deployment: 'payment-service',
            target: name,
          })
          .catch(() => ({ entries: [] }));
        assert.deepEqual(r.entries, []);
      }
      assert.equal(h.exited, null);
    } finally {
      await h.stop(true);
    }
    assertUntouched('language server');
    assert.ok(fsckClean(dir));
  });
});

describe('free text never forges a record field', () => {
  test('newlines in build id, metadata and approver stay inside their own field', () => {
    const dir = makeRepo({ 'payment-service.yaml': PAYMENT_SERVICE });
    const sha = head(dir);
    const forged = '0000000000000000000000000000000000000000';
    const dev = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'dev',
      '--build-id',
      `b1\nstatus: failed\ngit_sha: ${forged}`,
      '--metadata',
      `pr=1\ngit_sha: ${forged}\ntarget: prod`,
    ]);
    assert.equal(dev.code, 0, dev.stderr);
    cli(dir, ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev']);
    const prod = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
      '--approver',
      `eve\n{"approved_by":"mallory","target":"prod"}`,
      '--role',
      'sre\nadmin',
    ]);
    assert.equal(prod.code, 0, prod.stderr);
    const hist = JSON.parse(cli(dir, ['history', 'payment-service', '--format', 'json']).stdout);
    const entries = (Array.isArray(hist) ? hist : hist.entries) as Array<{
      target: string;
      gitSha: string;
      status: string;
    }>;
    assert.equal(entries.length, 9);
    for (const e of entries) {
      assert.equal(e.gitSha, sha);
      assert.equal(e.status, 'success');
    }
    assert.equal(entries.filter((e) => e.target === 'prod').length, 3);
    const note = git(dir, ['notes', '--ref=atmos/payment-service/approvals', 'show', sha]).trim();
    const lines = note.split('\n');
    assert.equal(lines.length, 1, note);
    const approval = JSON.parse(lines[0]);
    assert.equal(approval.approved_by, `eve\n{"approved_by":"mallory","target":"prod"}`);
    assert.equal(approval.approver_role, 'sre\nadmin');
    assert.ok(fsckClean(dir));
  });
});
