// Twenty people on release day, through one smart-HTTP remote (mixed-workload.ts): everyone
// rolls the same commit out to dev at once, promotes it to their own staging target, approves
// their own prod promotion (all appending to one notes ref) and promotes to prod. Every race
// there is safe to retry, so no action may fail; nothing may be lost; every repository stays
// sound; and the trail verifies.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { atmosRefs, cli, fsckClean, git, tags } from './helpers';
import { failures, runReleaseDay, type Workload } from './mixed-workload';

const N = 20;

describe(`${N} clones promoting and approving at once through a smart-HTTP remote`, () => {
  let day: Workload | undefined;
  after(() => day?.remote.stop());

  it('no action fails, nothing is lost, fsck is clean everywhere and verify passes', async () => {
    day = await runReleaseDay(N);
    const { remote, clones, results, sha } = day;
    assert.equal(results.length, N * 4);
    assert.deepEqual(failures(results), [], 'every action succeeded');

    // dev: one rollout recorded it; the others lost the push, retried and found it done.
    const devTags = tags(remote.bare, 'atmos/deployments/shop/dev/*');
    assert.equal(devTags.length, 2, `one dev rollout of two components: ${devTags.join(' ')}`);
    const devRuns = results.filter((r) => r.round === 'dev');
    assert.equal(devRuns.filter((r) => /Nothing to do/.test(r.result.stdout)).length, N - 1);

    // Every staging and prod target runs the commit, one rollout each, none lost.
    const refs = atmosRefs(remote.bare);
    for (let i = 0; i < N; i++)
      for (const t of [`s${i}`, `p${i}`])
        for (const c of ['api', 'db'])
          assert.equal(refs[`refs/atmos/deployments/shop/${t}/${c}`], sha, `${t}/${c}`);
    assert.equal(Object.keys(refs).length, (1 + 2 * N) * 2);
    for (let i = 0; i < N; i++) {
      assert.equal(tags(remote.bare, `atmos/deployments/shop/s${i}/*`).length, 2, `s${i}`);
      assert.equal(tags(remote.bare, `atmos/deployments/shop/p${i}/*`).length, 2, `p${i}`);
    }

    // The one notes ref holds every approval, one line each, by the person who gave it.
    const note = git(remote.bare, ['notes', '--ref=atmos/shop/approvals', 'show', sha]);
    const approvals = note
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { target: string; approved_by: string });
    assert.deepEqual(
      approvals.map((a) => `${a.target} ${a.approved_by}`).sort(),
      Array.from({ length: N }, (_, i) => `p${i} person${i}@example.com`).sort(),
    );

    assert.ok(fsckClean(remote.bare), 'the remote is sound');
    for (const c of clones) assert.ok(fsckClean(c), `${c} is sound`);

    // A fresh clone verifies the whole trail from the remote.
    const fresh = mkdtempSync(path.join(tmpdir(), 'atmos-fresh-'));
    git(fresh, ['clone', '-q', remote.url, '.']);
    const v = cli(fresh, ['verify', 'shop', '--remote', 'origin']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
