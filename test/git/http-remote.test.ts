/**
 * Rollouts against a real git server over smart HTTP (test/git/http-remote.ts): the records
 * land on the server; a push the server refuses (a pre-receive hook) is reported with the
 * server's own reason and is not mistaken for a race; and a genuine race, decided on the client
 * (a stale lease) or on the server (two pushes past their hooks at once), still says that
 * someone else promoted first.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  atmosRefs,
  cli,
  cliStart,
  commit,
  fsckClean,
  git,
  indexAgrees,
  makeRepo,
  tags,
} from './helpers';
import { startHttpRemote, type HttpRemote } from './http-remote';

const TAG_POLICY = 'remote policy: deployment tags are protected';
/** A lost push is retried by the tool itself (rollout/retry.ts), and it says so. */
const RETRIED =
  /Another rollout recorded first \(Remote 'origin' refused the push: someone else promoted first\); reading its records and trying again \(attempt 2\)/;
const STAGING = ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev'];

async function serve(t: TestContext, source = makeRepo()): Promise<HttpRemote> {
  const remote = await startHttpRemote({ source });
  // Registered before anything can fail, so the server and its git processes always go.
  t.after(() => remote.stop());
  return remote;
}

function cloneOf(remote: HttpRemote): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-http-clone-'));
  git(dir, ['clone', '-q', remote.url, '.']);
  return dir;
}

/** Every ref of a clone's local records (deployment refs, index, notes, tags) and its object. */
function localRecords(dir: string): string {
  return git(dir, [
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    'refs/atmos/',
    'refs/notes/atmos/',
    'refs/tags/atmos/',
  ]);
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('rollouts against a git server over HTTP', () => {
  it('a rollout with --remote origin lands its records on the server', async (t) => {
    const remote = await serve(t);
    const clone = cloneOf(remote);
    const dev = cli(clone, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(dev.code, 0, dev.stderr + remote.log());
    const staging = cli(clone, [...STAGING, '--remote', 'origin']);
    assert.equal(staging.code, 0, staging.stderr + remote.log());

    // The server's own refs, read with plain git in the bare repository.
    for (const target of ['dev', 'staging']) {
      const prefix = `refs/atmos/deployments/payment-service/${target}/`;
      assert.deepEqual(
        Object.keys(atmosRefs(remote.bare, prefix)).sort(),
        ['api', 'database', 'worker'].map((c) => prefix + c),
      );
      assert.equal(tags(remote.bare, `atmos/deployments/payment-service/${target}/*`).length, 3);
      assert.ok(indexAgrees(remote.bare, 'payment-service', target));
    }
    assert.equal(localRecords(clone), localRecords(remote.bare), 'clone and server agree');
    // The pushes went through receive-pack over HTTP, not a shortcut.
    assert.match(remote.log(), /POST \/origin\.git\/git-receive-pack/);
    assert.ok(fsckClean(remote.bare));
    assert.ok(fsckClean(clone));
  });

  it('the server inflates gzip request bodies (a fetch of many new branches)', async (t) => {
    const source = makeRepo();
    const remote = await serve(t, source);
    const clone = cloneOf(remote);
    // 40 new branches: the fetch asks for each with one `want` line, which makes its request
    // larger than the 1 KiB past which git gzips it, whatever the negotiation does next.
    for (let i = 0; i < 40; i++) git(source, ['branch', `b${i}`, commit(source, `b${i}`)]);
    git(remote.bare, ['fetch', '-q', source, '+refs/heads/*:refs/heads/*']);
    git(clone, ['fetch', '-q', 'origin']);
    assert.equal(
      git(clone, ['rev-parse', 'origin/b39']).trim(),
      git(source, ['rev-parse', 'b39']).trim(),
    );
    assert.match(remote.log(), /POST \/origin\.git\/git-upload-pack encoding=gzip/);
  });

  it('stop() leaves no process behind, even with a push stuck in a hook', async (t) => {
    const remote = await serve(t);
    const clone = cloneOf(remote);
    const gate = mkdtempSync(path.join(tmpdir(), 'atmos-gate-'));
    remote.installPreReceive(`touch '${gate}/arrived'\nwhile true; do sleep 0.1; done\n`);
    const run = cliStart(clone, [
      'rollout',
      'payment-service',
      '--target',
      'dev',
      '--remote',
      'origin',
    ]);
    t.after(() => run.child.kill('SIGKILL'));
    await until(() => existsSync(path.join(gate, 'arrived')), 'the push at the hook');
    await remote.stop();
    // Signal 0 to the group only asks whether any of its processes is alive.
    assert.throws(() => process.kill(-remote.pid, 0), { code: 'ESRCH' });
    const result = await run.done;
    assert.notEqual(result.code, 0, 'the push did not succeed');
  });

  it('a push a pre-receive hook refuses is reported with the server reason, not as a race', async (t) => {
    const remote = await serve(t);
    const clone = cloneOf(remote);
    const dev = cli(clone, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(dev.code, 0, dev.stderr + remote.log());
    remote.protectRefs('refs/tags/atmos/deployments/', TAG_POLICY);
    const serverBefore = remote.refs();
    const localBefore = localRecords(clone);

    const refused = cli(clone, [...STAGING, '--remote', 'origin']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /remote: remote policy: deployment tags are protected/);
    assert.match(refused.stderr, /pre-receive hook declined/);
    assert.doesNotMatch(refused.stderr, /someone else promoted first/);
    assert.doesNotMatch(refused.stderr, /Run the same command again/);
    assert.match(refused.stderr, /Nothing was recorded on the remote/);
    assert.match(refused.stderr, /local records of this rollout were put back/);
    assert.match(refused.stderr, /will not help until/);

    // Scripts see a refusal (exit 1, code `refused`), not a lost race they should retry.
    const json = cli(clone, [...STAGING, '--remote', 'origin', '--format', 'json']);
    assert.equal(json.code, 1, json.stderr);
    const error = (JSON.parse(json.stdout) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'refused');
    assert.match(error.message, /remote policy: deployment tags are protected/);

    assert.equal(remote.refs(), serverBefore, 'the server refs are unchanged');
    assert.equal(localRecords(clone), localBefore, 'the clone records were put back');
    assert.ok(fsckClean(remote.bare));
    assert.ok(fsckClean(clone));
  });

  it("a hook's colours, bidi overrides and long output are escaped and cut to 10 lines", async (t) => {
    const remote = await serve(t);
    const clone = cloneOf(remote);
    // ESC sequences and U+202E (right-to-left override) could recolour the terminal or make
    // the quoted reason read differently from what the server sent.
    remote.installPreReceive(
      [
        `printf '\\033[31mred\\033[0m \\342\\200\\256desrever\\n' >&2`,
        'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo "rule $i" >&2; done',
        'exit 1',
        '',
      ].join('\n'),
    );
    const serverBefore = remote.refs();
    const r = cli(clone, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!r.stderr.includes('\u001b') && !r.stderr.includes('\u202e'), 'no raw controls');
    assert.ok(r.stderr.includes('remote: \\x1b[31mred\\x1b[0m \\u{202e}desrever'), r.stderr);
    const quoted = r.stderr.split('\n').filter((l) => l.startsWith('  '));
    assert.equal(quoted.length, 10, r.stderr);
    assert.match(r.stderr, /… \(13 more lines\)/);
    assert.match(
      r.stderr,
      /\[remote rejected\] refs\/\S+ and 6 more refs \(pre-receive hook declined\)/,
    );
    assert.equal(remote.refs(), serverBefore);
    assert.deepEqual(atmosRefs(clone, 'refs/atmos/'), {}, 'the clone records were put back');
    assert.deepEqual(tags(clone), []);
  });

  it('a ref namespace the server protects (receive.hideRefs) is a refusal too', async (t) => {
    const remote = await serve(t);
    const clone = cloneOf(remote);
    const dev = cli(clone, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(dev.code, 0, dev.stderr);
    // No hook: receive-pack itself refuses any update under the hidden status-index namespace.
    remote.protectNamespace('refs/atmos/index/');
    const serverBefore = remote.refs();
    const localBefore = localRecords(clone);

    const r = cli(clone, [...STAGING, '--remote', 'origin', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /refused the push \(deny updating a hidden ref\)/);
    assert.match(r.stderr, /\[remote rejected\] refs\/atmos\/index\/payment-service\/staging /);
    assert.doesNotMatch(r.stderr, /someone else promoted first/);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'refused');
    // git 2.39's receive-pack rejects a hidden ref before its atomic transaction and commits the
    // other refs: the message must say what the server did, whichever way it went.
    if (remote.refs() === serverBefore) assert.match(r.stderr, /Nothing was recorded/);
    else {
      assert.match(r.stderr, /did not keep the push atomic: it recorded \d+ of the pushed refs/);
      assert.doesNotMatch(r.stderr, /Nothing was recorded/);
    }
    assert.equal(localRecords(clone), localBefore, 'the clone records were put back');
    // The next command with --remote takes the server's records as they are.
    const after = cli(clone, ['promotion-status', 'payment-service', '--remote', 'origin']);
    assert.equal(after.code, 0, after.stderr);
    assert.ok(fsckClean(remote.bare));
    assert.ok(fsckClean(clone));
  });

  // The loser's push is a lost race (not the server's refusal), so it is retried: from the
  // winner's records the same plan is recorded already, and nothing is left to do.
  it('a stale lease (someone else pushed since the fetch) is a lost race: retried, nothing left to do', async (t) => {
    const remote = await serve(t);
    const a = cloneOf(remote);
    const b = cloneOf(remote);
    const dev = cli(a, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(dev.code, 0, dev.stderr + remote.log());

    // B fetches and plans, then waits; A promotes in the meantime, so B's lease is stale.
    const release = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-release-')), 'go');
    const rb = cliStart(b, [...STAGING, '--remote', 'origin'], {
      ATMOS_TEST_PAUSE_AT: 'planned',
      ATMOS_TEST_RELEASE_FILE: release,
      GIT_AUTHOR_NAME: 'Bea',
      GIT_AUTHOR_EMAIL: 'bea@example.com',
      GIT_COMMITTER_NAME: 'Bea',
      GIT_COMMITTER_EMAIL: 'bea@example.com',
    });
    t.after(() => rb.child.kill('SIGKILL'));
    await rb.paused;
    const winner = cli(a, [...STAGING, '--remote', 'origin']);
    assert.equal(winner.code, 0, winner.stderr);
    const serverBefore = remote.refs();
    writeFileSync(release, '');
    const loser = await rb.done;

    assert.equal(loser.code, 0, loser.stdout + loser.stderr);
    assert.match(loser.stdout, RETRIED);
    assert.match(loser.stdout, /Nothing to do: payment-service\/staging already runs/);
    assert.equal(remote.refs(), serverBefore, "the winner's records stand");
    // B's clone holds the winner's records (fetched on the retry), none of its own.
    assert.deepEqual(
      atmosRefs(b, 'refs/atmos/deployments/payment-service/staging/'),
      atmosRefs(remote.bare, 'refs/atmos/deployments/payment-service/staging/'),
    );
    assert.deepEqual(
      tags(b, 'atmos/deployments/payment-service/staging/*'),
      tags(remote.bare, 'atmos/deployments/payment-service/staging/*'),
    );
    assert.ok(fsckClean(remote.bare));
    assert.ok(fsckClean(b));
  });

  it('two pushes that pass their hooks at once: the server decides, and the loser retries as after a lost race', async (t) => {
    const remote = await serve(t);
    const a = cloneOf(remote);
    const b = cloneOf(remote);
    const dev = cli(a, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(dev.code, 0, dev.stderr + remote.log());
    git(b, ['fetch', '-q', 'origin', '+refs/atmos/*:refs/atmos/*', '+refs/tags/*:refs/tags/*']);

    // A hook that holds every push until both have arrived: both leases were true when sent,
    // and the server's own compare-and-swap (after the hook) picks the winner. The hook says
    // something on the way, as real hooks do, and that must not turn the race into a refusal.
    const gate = mkdtempSync(path.join(tmpdir(), 'atmos-gate-'));
    remote.installPreReceive(
      [
        '#!/bin/sh',
        `touch '${gate}/arrived-'$$`,
        'echo "checks passed, waiting for the gate" >&2',
        `while [ ! -e '${gate}/open' ]; do sleep 0.05; done`,
        'exit 0',
        '',
      ].join('\n'),
    );
    const ra = cliStart(a, [...STAGING, '--remote', 'origin']);
    const rb = cliStart(b, [...STAGING, '--remote', 'origin'], {
      GIT_AUTHOR_NAME: 'Bea',
      GIT_AUTHOR_EMAIL: 'bea@example.com',
      GIT_COMMITTER_NAME: 'Bea',
      GIT_COMMITTER_EMAIL: 'bea@example.com',
    });
    t.after(() => {
      ra.child.kill('SIGKILL');
      rb.child.kill('SIGKILL');
    });
    await until(
      () => readdirSync(gate).filter((f) => f.startsWith('arrived-')).length === 2,
      `both pushes at the hook (${remote.log()})`,
    );
    writeFileSync(path.join(gate, 'open'), '');
    const results = await Promise.all([ra.done, rb.done]);

    for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
    // Exactly one lost at the server's compare-and-swap, and says so (not a refusal: the hook's
    // chatter is not a reason), then found its plan recorded by the winner.
    const lost = results.filter((r) => RETRIED.test(r.stdout));
    assert.equal(lost.length, 1, results.map((r) => r.stdout).join('\n'));
    assert.match(lost[0].stdout, /Nothing to do/);
    assert.doesNotMatch(lost[0].stdout + lost[0].stderr, /refused the push:(?! someone else)/);
    const loserDir = results[0] === lost[0] ? a : b;
    assert.deepEqual(
      atmosRefs(loserDir, 'refs/atmos/deployments/payment-service/staging/'),
      atmosRefs(remote.bare, 'refs/atmos/deployments/payment-service/staging/'),
    );
    assert.equal(tags(remote.bare, 'atmos/deployments/payment-service/staging/*').length, 3);
    assert.ok(existsSync(path.join(gate, 'open')));
    assert.ok(fsckClean(remote.bare));
    assert.ok(fsckClean(loserDir));
  });
});
