/**
 * Crash safety with `--remote`: a rollout that pushes to a bare remote is SIGKILLed at each
 * test pause point (ATMOS_TEST_PAUSE_AT). The remote must hold the old records or the new
 * ones, never half; git fsck stays clean on both sides; and the next rollout from the same
 * clone succeeds and leaves the clone and the remote agreeing. A second clone then sees the
 * same records as the first.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
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

const D = 'payment-service';
const RECORDS = ['refs/atmos/', 'refs/tags/atmos/', 'refs/notes/atmos/'];

/** Every deployment record ref (deployment refs, tags, notes) → object, as plain git reports it. */
function records(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = git(dir, ['for-each-ref', '--format=%(refname) %(objectname)', ...RECORDS]);
  for (const line of text.split('\n')) {
    const [ref, sha] = line.split(' ');
    if (ref) out[ref] = sha;
  }
  return out;
}

/** A bare remote made with `git init --bare`, holding main, and two clones of it. */
function setup(): { bare: string; a: string; b: string } {
  const origin = makeRepo();
  const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
  git(bare, ['init', '-q', '--bare', '-b', 'main']);
  git(origin, ['push', '-q', bare, 'main']);
  const a = mkdtempSync(path.join(tmpdir(), 'atmos-a-'));
  const b = mkdtempSync(path.join(tmpdir(), 'atmos-b-'));
  git(a, ['clone', '-q', bare, '.']);
  git(b, ['clone', '-q', bare, '.']);
  return { bare, a, b };
}

/** Starts a rollout of `sha` to dev with --remote origin, waits at `step`, SIGKILLs it. */
async function killedAt(dir: string, sha: string, step: string): Promise<void> {
  const run = cliStart(
    dir,
    ['rollout', D, '--target', 'dev', '--git-sha', sha, '--remote', 'origin', '--exec', 'true'],
    { ATMOS_TEST_PAUSE_AT: step },
  );
  await run.paused;
  assert.match(run.stderr(), new RegExp(`ATMOS_TEST_PAUSED ${step}\\n`));
  run.child.kill('SIGKILL');
  const res = await run.done;
  assert.equal(res.code, null, 'the rollout was killed, not finished');
}

/** The next rollout of `sha` from the same clone succeeds; clone and remote then agree. */
function recovers(s: { bare: string; a: string; b: string }, sha: string): void {
  const next = cli(s.a, ['rollout', D, '--target', 'dev', '--git-sha', sha, '--remote', 'origin']);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  const remoteRefs = atmosRefs(s.bare, 'refs/atmos/');
  assert.deepEqual(
    atmosRefs(s.a, 'refs/atmos/'),
    remoteRefs,
    'clone and remote agree on refs/atmos',
  );
  const remoteDeployed = atmosRefs(s.bare);
  assert.equal(Object.keys(remoteDeployed).length, 3);
  for (const v of Object.values(remoteDeployed))
    assert.equal(v, sha, 'the remote runs the new SHA');
  assert.ok(indexAgrees(s.bare, D, 'dev'), 'the remote status index names the same SHAs');
  assert.deepEqual(tags(s.a), tags(s.bare), 'clone and remote agree on the tags');
  assert.ok(fsckClean(s.a), 'fsck clean in the clone after the next rollout');
  assert.ok(fsckClean(s.bare), 'fsck clean in the remote after the next rollout');
  // A second clone reading the remote sees exactly what the first clone has.
  const status = cli(s.b, [
    'rollout',
    D,
    '--target',
    'dev',
    '--git-sha',
    sha,
    '--remote',
    'origin',
  ]);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, /Nothing to do/);
  assert.deepEqual(atmosRefs(s.b, 'refs/atmos/'), remoteRefs);
}

const STEPS = ['planned', 'deployed', 'tags-written', 'refs-updated', 'pushed'];

describe('a rollout with --remote killed at any step leaves the remote whole', () => {
  for (const step of STEPS) {
    it(`killed at ${step}: remote old or new, never half; the next rollout recovers`, async () => {
      const s = setup();
      const c1 = head(s.a);
      const first = cli(s.a, ['rollout', D, '--target', 'dev', '--remote', 'origin']);
      assert.equal(first.code, 0, first.stderr);
      const before = records(s.bare);
      assert.equal(
        Object.keys(before).length,
        7,
        '3 deployment refs, the status index and 3 tags on the remote',
      );
      assert.deepEqual(records(s.a), before);
      const c2 = commit(s.a);

      await killedAt(s.a, c2, step);

      const claim = `refs/atmos/claims/${D}/dev`;
      const claimed = records(s.bare)[claim];
      // The claim is taken after the `planned` pause and deleted by the push: a rollout killed
      // in between leaves it on the remote, and the next rollout from this machine takes it
      // over because its holder's process is gone.
      if (step === 'planned' || step === 'pushed')
        assert.equal(claimed, undefined, `no claim on the remote when killed at ${step}`);
      else assert.ok(claimed, `the claim of the killed rollout is on the remote (${step})`);
      const after = records(s.bare);
      delete after[claim];
      if (step === 'pushed') {
        // The atomic push completed: the remote holds the whole new state, as the clone does.
        assert.deepEqual(after, records(s.a));
        for (const v of Object.values(atmosRefs(s.bare))) assert.equal(v, c2);
        assert.equal(tags(s.bare).length, 6);
      } else {
        assert.deepEqual(after, before, `the remote is untouched when killed at ${step}`);
        for (const v of Object.values(atmosRefs(s.bare))) assert.equal(v, c1);
      }
      assert.ok(indexAgrees(s.bare, D, 'dev'), 'the remote status index names the remote refs');
      assert.ok(fsckClean(s.a), 'fsck clean in the clone after the kill');
      assert.ok(fsckClean(s.bare), 'fsck clean in the remote after the kill');

      recovers(s, c2);
    });
  }

  it('the first rollout to a target killed after its local records, before the push', async () => {
    const s = setup();
    const c1 = head(s.a);
    await killedAt(s.a, c1, 'refs-updated');
    // Only the claim the rollout took before its deploy step reached the remote; the next
    // rollout from this machine takes it over, since its holder's process is gone.
    assert.deepEqual(
      Object.keys(records(s.bare)),
      [`refs/atmos/claims/${D}/dev`],
      'nothing but the claim reached the remote',
    );
    assert.equal(Object.keys(atmosRefs(s.a)).length, 3, 'the clone recorded locally');
    assert.ok(fsckClean(s.a));
    assert.ok(fsckClean(s.bare));
    recovers(s, c1);
  });
});
