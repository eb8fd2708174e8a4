/**
 * "N commits ahead" in a rollout plan, on a real repository: counted by one extra git process
 * only when a target moves from one recorded SHA to another, printed by `rollout --dry-run`,
 * bounded, and never able to fail the plan.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeploymentFile } from '../../server/src/core';
import { openGitStore, planRollout, type GitStore } from '../../server/src/rollout';
import { cli, commit, head, makeRepo, PAYMENT_SERVICE } from './helpers';

const deployment = parseDeploymentFile(PAYMENT_SERVICE, 'payment-service.yaml').deployment!;

function ok(dir: string, args: string[]): string {
  const r = cli(dir, ['rollout', 'payment-service', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Plans with a fresh store and reports the plan and how many git processes it took. */
async function plan(dir: string, target: string, promoteFrom?: string, store?: GitStore) {
  const s = store ?? openGitStore(dir);
  const before = s.processCount;
  const p = await planRollout(s, deployment, { target, promoteFrom });
  return { plan: p, processes: s.processCount - before };
}

describe('commits ahead in the rollout plan', () => {
  const dir = makeRepo();
  const first = head(dir);
  ok(dir, ['--target', 'dev']);

  it('is absent when the target runs nothing yet, and that plan is the baseline cost', async () => {
    const { plan: p } = await plan(dir, 'staging', 'dev');
    assert.equal(p.commitsAhead, undefined);
    ok(dir, ['--target', 'staging', '--promote-from', 'dev']);
  });

  it('counts the commits between what the target runs and what it would run, in one extra process', async () => {
    for (let i = 1; i <= 3; i++) commit(dir, `change ${i}`);
    ok(dir, ['--target', 'dev']);
    // A fresh repository of the same shape whose staging runs nothing: same plan, no count.
    const other = makeRepo();
    ok(other, ['--target', 'dev']);
    const baseline = await plan(other, 'staging', 'dev');
    assert.equal(baseline.plan.commitsAhead, undefined);
    const counted = await plan(dir, 'staging', 'dev');
    assert.equal(counted.plan.commitsAhead, 3);
    assert.equal(counted.processes, baseline.processes + 1, 'exactly one extra git process');
  });

  it('rollout --dry-run prints it and writes nothing', () => {
    const out = ok(dir, ['--target', 'staging', '--promote-from', 'dev', '--dry-run']);
    assert.match(out, /→ 3 commits ahead/);
    assert.match(out, /Nothing was written/);
    const single = makeRepo();
    ok(single, ['--target', 'dev']);
    ok(single, ['--target', 'staging', '--promote-from', 'dev']);
    commit(single, 'one more');
    ok(single, ['--target', 'dev']);
    assert.match(
      ok(single, ['--target', 'staging', '--promote-from', 'dev', '--dry-run']),
      /→ 1 commit ahead\n/,
    );
  });

  it('is absent when nothing moves, and costs no process then', async () => {
    ok(dir, ['--target', 'staging', '--promote-from', 'dev']);
    const { plan: p } = await plan(dir, 'staging', 'dev');
    assert.equal(p.nothingToDo, true);
    assert.equal(p.commitsAhead, undefined);
  });

  it('is 0 when the target would go back to an older commit', async () => {
    const r = cli(dir, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', first]);
    assert.equal(r.code, 0, r.stderr);
    const { plan: p } = await plan(dir, 'staging', 'dev');
    assert.equal(p.commitsAhead, 0);
  });

  it('stops counting at the limit it is given', async () => {
    const store = openGitStore(dir);
    assert.equal(await store.countCommits([first], [head(dir)], 2), 2);
    assert.equal(await store.countCommits([first], [head(dir)], 100), 3);
    assert.equal(await store.countCommits([first], ['--all'], 100), undefined, 'only SHAs');
    assert.equal(await store.countCommits(['0'.repeat(40)], [head(dir)], 100), undefined);
  });

  it('names the subject of every planned and current SHA and who acts, in a fixed number of processes', async () => {
    // Components at three different commits each way: the subjects still cost one process.
    const spread = makeRepo();
    const shas = [commit(spread, 'first subject'), commit(spread, 'second subject')];
    for (const [i, c] of ['api', 'worker', 'database'].entries()) {
      const r = cli(spread, [
        'rollout',
        'payment-service',
        '--target',
        'dev',
        '--component',
        c,
        '--git-sha',
        shas[i % 2],
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    ok(spread, ['--target', 'staging', '--promote-from', 'dev']);
    const latest = commit(spread, 'third subject: the one that moves');
    ok(spread, ['--target', 'dev']);
    const one = await plan(dir, 'staging', 'dev');
    const many = await plan(spread, 'staging', 'dev');
    assert.equal(many.plan.subjects?.[latest], 'third subject: the one that moves');
    assert.equal(many.plan.subjects?.[shas[0]], 'first subject');
    assert.equal(many.plan.subjects?.[shas[1]], 'second subject');
    assert.match(many.plan.actor ?? '', /^.+ <.+@.+>$/);
    assert.equal(many.processes, one.processes, 'the same processes for one SHA or three');
    // The dry run shows the subject, who acts, and says "Would", never "Deploying".
    const out = ok(spread, ['--target', 'staging', '--promote-from', 'dev', '--dry-run']);
    assert.match(out, /^→ Would roll out payment-service to staging$/m);
    assert.match(out, /^→ Git SHA: [0-9a-f]{9} third subject: the one that moves$/m);
    assert.match(out, /^→ As: .+ <.+@.+>$/m);
    assert.doesNotMatch(out, /Deploying/);
  });

  it('a failing count leaves the field out and the plan stands', async () => {
    // dev runs the first commit again and staging the newest: a move the count would see.
    const real = openGitStore(dir);
    const broken = Object.create(real) as GitStore;
    broken.countCommits = () => Promise.reject(new Error('git exploded'));
    const { plan: p } = await plan(dir, 'staging', 'dev', broken);
    assert.equal(p.commitsAhead, undefined);
    assert.equal(p.components.length, 3);
    assert.equal(p.nothingToDo, false);
  });
});
