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
  it('both promote at once: one push wins, the other is told and its local records are put back', async () => {
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
    assert.equal(results.filter((r) => r.code === 0).length, 1, resA.stderr + resB.stderr);
    const loser = resA.code === 0 ? { res: resB, dir: b } : { res: resA, dir: a };
    assert.equal(loser.res.code, 1);
    assert.match(
      loser.res.stderr,
      /someone else promoted first\. Your local records of this rollout were put back\. Run the same command again/,
    );
    assert.deepEqual(atmosRefs(loser.dir, 'refs/atmos/deployments/payment-service/staging/'), {});
    assert.equal(tags(loser.dir, 'atmos/deployments/payment-service/staging/*').length, 0);
    assert.equal(tags(bare, 'atmos/deployments/payment-service/staging/*').length, 3);
    // Retrying fetches the winner's records: nothing left to do.
    const retry = cli(loser.dir, [...args, '--remote', 'origin']);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /Nothing to do/);
    assert.ok(fsckClean(bare));
    assert.ok(fsckClean(a));
    assert.ok(fsckClean(b));
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
