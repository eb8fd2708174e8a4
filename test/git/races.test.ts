/**
 * Races and crashes: parallel rollouts to one target, two clones pushing to one bare remote,
 * and rollouts killed at each step (through the test-only ATMOS_TEST_PAUSE_AT variable).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  atmosRefs,
  cli,
  cliStart,
  indexAgrees,
  commit,
  fsckClean,
  git,
  head,
  makeRepo,
  tags,
} from './helpers';

function releaseFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'atmos-release-')), 'go');
}

describe('concurrent rollouts', () => {
  it('10 parallel rollouts to one target: exactly one wins, the others are told, fsck is clean', async () => {
    const dir = makeRepo();
    const shas = Array.from({ length: 10 }, (_, i) => commit(dir, `c${i}`));
    const release = releaseFile();
    const env = { ATMOS_TEST_PAUSE_AT: 'planned', ATMOS_TEST_RELEASE_FILE: release };
    const runs = shas.map((sha) =>
      cliStart(dir, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', sha], env),
    );
    // Every rollout has planned against the same (empty) state before any of them writes.
    await Promise.all(runs.map((r) => r.paused));
    writeFileSync(release, '');
    const results = await Promise.all(runs.map((r) => r.done));
    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code !== 0);
    assert.equal(winners.length, 1, results.map((r) => r.stderr).join('\n'));
    for (const l of losers) {
      assert.equal(l.code, 1);
      assert.match(
        l.stderr,
        /Another rollout changed these deployment records at the same time; nothing was written\./,
      );
    }
    const winnerSha = shas[results.findIndex((r) => r.code === 0)];
    const refs = atmosRefs(dir);
    assert.equal(Object.keys(refs).length, 3);
    for (const v of Object.values(refs)) assert.equal(v, winnerSha);
    assert.equal(tags(dir).length, 3);
    assert.ok(fsckClean(dir));
  });
});

describe('two clones sharing one bare remote', () => {
  // The loser's push is refused; its local records are put back, and it runs itself again
  // from the winner's records (rollout/retry.ts): the same plan is recorded already, so there
  // is nothing left to do, and only the winner's records exist anywhere.
  it('both promote at once: one push wins, the other retries by itself and finds nothing to do', async () => {
    const origin = makeRepo();
    const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, ['clone', '-q', '--bare', origin, '.']);
    const a = mkdtempSync(path.join(tmpdir(), 'atmos-a-'));
    const b = mkdtempSync(path.join(tmpdir(), 'atmos-b-'));
    git(a, ['clone', '-q', bare, '.']);
    git(b, ['clone', '-q', bare, '.']);
    const dev = cli(a, ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin']);
    assert.equal(dev.code, 0, dev.stderr);
    assert.equal(Object.keys(atmosRefs(bare)).length, 3, 'dev records reached the remote');

    const release = releaseFile();
    const env = { ATMOS_TEST_PAUSE_AT: 'refs-updated', ATMOS_TEST_RELEASE_FILE: release };
    const args = ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev'];
    const ra = cliStart(a, [...args, '--remote', 'origin'], env);
    // B is another person and names the remote through the environment variable instead of
    // the flag. With one identity, two rollouts in the same second write byte-identical tags,
    // and the second push is a no-op that git reports as success: the same records either way.
    const rb = cliStart(b, args, {
      ...env,
      ATMOS_DEPLOYMENTS_REMOTE: 'origin',
      GIT_AUTHOR_NAME: 'Bea',
      GIT_AUTHOR_EMAIL: 'bea@example.com',
      GIT_COMMITTER_NAME: 'Bea',
      GIT_COMMITTER_EMAIL: 'bea@example.com',
    });
    await Promise.all([ra.paused, rb.paused]);
    // Both have committed locally; now both push.
    writeFileSync(release, '');
    const [resA, resB] = await Promise.all([ra.done, rb.done]);
    const results = [resA, resB];
    for (const r of results) assert.equal(r.code, 0, resA.stderr + resB.stderr);
    const lost = results.filter((r) =>
      /Another rollout recorded first \(Remote 'origin' refused the push: someone else promoted first\); reading its records and trying again \(attempt 2\)/.test(
        r.stdout + r.stderr,
      ),
    );
    assert.equal(lost.length, 1, `exactly one lost the push:\n${resA.stdout}\n${resB.stdout}`);
    assert.match(lost[0].stdout, /Nothing to do: payment-service\/staging already runs/);
    const loserDir = lost[0] === resA ? a : b;
    assert.equal(tags(bare, 'atmos/deployments/payment-service/staging/*').length, 3);
    // The loser's clone holds the winner's records, fetched, and none of its own.
    assert.deepEqual(
      tags(loserDir, 'atmos/deployments/payment-service/staging/*'),
      tags(bare, 'atmos/deployments/payment-service/staging/*'),
    );
    assert.deepEqual(
      atmosRefs(loserDir, 'refs/atmos/deployments/payment-service/staging/'),
      atmosRefs(bare, 'refs/atmos/deployments/payment-service/staging/'),
    );
    assert.ok(fsckClean(bare));
    assert.ok(fsckClean(a));
    assert.ok(fsckClean(b));
  });
});

describe('a lost push whose retry would change what the user decided', () => {
  // Two people roll different commits out to dev at once. The loser's retry sees dev running
  // the other commit, which the plan it showed did not say: it stops and says so, and writes
  // nothing, rather than replace the other rollout unseen.
  it('two clones roll different commits to dev: the loser is told dev now runs the other one', async () => {
    const origin = makeRepo();
    const base = head(origin);
    const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, ['clone', '-q', '--bare', origin, '.']);
    const a = mkdtempSync(path.join(tmpdir(), 'atmos-a-'));
    const b = mkdtempSync(path.join(tmpdir(), 'atmos-b-'));
    git(a, ['clone', '-q', bare, '.']);
    git(b, ['clone', '-q', bare, '.']);
    const other = commit(b, "bea's change");
    git(b, ['push', '-q', 'origin', 'HEAD:refs/heads/bea']);
    const release = releaseFile();
    const env = { ATMOS_TEST_PAUSE_AT: 'refs-updated', ATMOS_TEST_RELEASE_FILE: release };
    const ra = cliStart(
      a,
      ['rollout', 'payment-service', '--target', 'dev', '--remote', 'origin'],
      env,
    );
    const rb = cliStart(
      b,
      ['rollout', 'payment-service', '--target', 'dev', '--git-sha', other, '--remote', 'origin'],
      { ...env, GIT_COMMITTER_NAME: 'Bea', GIT_COMMITTER_EMAIL: 'bea@example.com' },
    );
    await Promise.all([ra.paused, rb.paused]);
    writeFileSync(release, '');
    const [resA, resB] = await Promise.all([ra.done, rb.done]);
    const winner = resA.code === 0 ? 'a' : 'b';
    const loser = winner === 'a' ? resB : resA;
    assert.equal([resA, resB].filter((r) => r.code === 0).length, 1, resA.stderr + resB.stderr);
    assert.equal(loser.code, 1);
    const [won, lost] = winner === 'a' ? [base, other] : [other, base];
    assert.match(
      loser.stderr,
      new RegExp(
        `Another rollout changed these deployment records at the same time; nothing was written\\. dev now runs .*${won.slice(0, 9)}.* instead of .*\\(none\\).*Run the command again to roll out over it\\.`,
      ),
    );
    // Only the winner's commit is recorded anywhere.
    for (const sha of Object.values(atmosRefs(bare))) assert.equal(sha, won);
    assert.ok(!Object.values(atmosRefs(bare)).includes(lost));
    assert.equal(tags(bare).length, 3);
    assert.ok(fsckClean(bare));
  });
});

describe('a rollout killed at any step leaves the old records or the new ones, never half', () => {
  for (const step of ['planned', 'deployed', 'tags-written', 'refs-updated']) {
    it(`killed at ${step}`, async () => {
      const dir = makeRepo();
      const c1 = head(dir);
      assert.equal(cli(dir, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
      const c2 = commit(dir);
      const run = cliStart(
        dir,
        ['rollout', 'payment-service', '--target', 'dev', '--git-sha', c2, '--exec', 'true'],
        { ATMOS_TEST_PAUSE_AT: step },
      );
      await run.paused;
      run.child.kill('SIGKILL');
      await run.done;
      const refs = Object.values(atmosRefs(dir));
      assert.equal(refs.length, 3);
      const expected = step === 'refs-updated' ? c2 : c1;
      for (const v of refs)
        assert.equal(
          v,
          expected,
          `every ref is at the ${step === 'refs-updated' ? 'new' : 'old'} SHA`,
        );
      assert.equal(tags(dir).length, step === 'refs-updated' ? 6 : 3);
      assert.ok(indexAgrees(dir, 'payment-service', 'dev'), 'the status index moved with the refs');
      assert.ok(fsckClean(dir));
      const next = cli(dir, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', c2]);
      assert.equal(next.code, 0, next.stderr);
      for (const v of Object.values(atmosRefs(dir))) assert.equal(v, c2);
    });
  }
});
