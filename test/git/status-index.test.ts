/**
 * The status index (refs/atmos/index/<d>/<t>) is derived data: whatever state it is in, the
 * deployed state read through it must equal the state read from the spec's tags alone, and a
 * fully indexed read must not list or read the tags at all.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDeploymentFile, type Deployment } from '../../server/src/core';
import { openGitStore, readDeployedState } from '../../server/src/rollout';
import {
  cli,
  commit,
  fsckClean,
  git,
  head,
  indexAgrees,
  indexShas,
  makeRepo,
  PAYMENT_SERVICE,
} from './helpers';

const D = 'payment-service';

function deploymentOf(repo: string): Deployment {
  const file = path.join(repo, 'deployments', `${D}.yaml`);
  return parseDeploymentFile(readFileSync(file, 'utf8'), file).deployment!;
}

/** Asserts the indexed read equals the tags-only read, and returns it. */
async function sameBothWays(repo: string) {
  const deployment = deploymentOf(repo);
  const indexed = await readDeployedState(openGitStore(repo), deployment);
  const scanned = await readDeployedState(openGitStore(repo), deployment, { useIndex: false });
  assert.deepEqual(indexed, scanned, 'the index answers exactly what the tags answer');
  return indexed;
}

function rollout(repo: string, args: string[]): void {
  const r = cli(repo, ['rollout', D, ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

describe('status index', () => {
  it('agrees with the tags through rollouts, promotions, redeploys, failures and rollbacks', async () => {
    const repo = makeRepo({ [`${D}.yaml`]: PAYMENT_SERVICE });
    rollout(repo, ['--target', 'dev']);
    rollout(repo, ['--target', 'staging', '--promote-from', 'dev']);
    assert.ok(indexAgrees(repo, D, 'dev') && indexAgrees(repo, D, 'staging'));
    const c2 = commit(repo, 'next');
    rollout(repo, ['--target', 'dev', '--git-sha', c2]);
    rollout(repo, ['--target', 'dev', '--git-sha', c2, '--redeploy']);
    // A failed deploy step records status failed and leaves the ref (and its index entry) alone.
    const failed = cli(repo, [
      'rollout',
      D,
      '--target',
      'staging',
      '--promote-from',
      'dev',
      '--exec',
      'test "$ATMOS_COMPONENT" != worker',
    ]);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.ok(indexAgrees(repo, D, 'staging'));
    const state = await sameBothWays(repo);
    assert.equal(state.staging.api.sha, c2);
    assert.notEqual(state.staging.worker.sha, c2);
    assert.equal(state.staging.api.promotedFrom, 'dev');
    const first = git(repo, ['tag', '-l', `atmos/deployments/${D}/dev/api/*`]).split('\n')[0];
    rollout(repo, ['--target', 'dev'].concat(['--git-sha', head(repo)]));
    const stamp = first.split('/').pop()!;
    const back = cli(repo, ['rollback', D, '--target', 'dev', '--to', stamp]);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    // The result names the rollout the target returns to.
    assert.match(
      back.stdout,
      new RegExp(`Recorded the rollback of ${D} on dev to the rollout of ${stamp}: `),
    );
    assert.ok(indexAgrees(repo, D, 'dev'));
    await sameBothWays(repo);
    assert.ok(fsckClean(repo));
  });

  it('records written by plain git (the spec’s own steps) are read from the tags', async () => {
    const repo = makeRepo({ [`${D}.yaml`]: PAYMENT_SERVICE });
    rollout(repo, ['--target', 'dev']);
    const c2 = commit(repo, 'by hand');
    // What Atmos or a shell script does: move the ref and write the tag, no index.
    const tag = `atmos/deployments/${D}/dev/api/2020-01-01T00-00-00Z`;
    git(repo, ['update-ref', `refs/atmos/deployments/${D}/dev/api`, c2]);
    git(repo, [
      'tag',
      '-a',
      tag,
      c2,
      '-m',
      `atmos.tools/v1alpha1\nkind: Deployment\n---\ndeployment: ${D}\ntarget: dev\ncomponent: api\ndeployed_by: script@example.com\nbuild_id: ""\ngit_sha: ${c2}\ntimestamp: 2020-01-01T00:00:00Z\nstatus: success\n`,
    ]);
    assert.ok(!indexAgrees(repo, D, 'dev'), 'the index is now stale for api');
    const state = await sameBothWays(repo);
    assert.equal(state.dev.api.sha, c2);
    assert.equal(state.dev.api.deployedBy, 'script@example.com');
    assert.equal(state.dev.api.tag, tag);
    // The next rollout through the tool brings the index back in line.
    rollout(repo, ['--target', 'dev', '--git-sha', c2]);
    assert.ok(indexAgrees(repo, D, 'dev'));
    await sameBothWays(repo);
  });

  it('a newer hand-written record of the same SHA wins over the index entry', async () => {
    const repo = makeRepo({ [`${D}.yaml`]: PAYMENT_SERVICE });
    rollout(repo, ['--target', 'dev']);
    const a = head(repo);
    const handTag = (stamp: string, sha: string, by: string, status: string) =>
      git(repo, [
        'tag',
        '-a',
        `atmos/deployments/${D}/dev/api/${stamp.replace(/:/g, '-')}`,
        sha,
        '-m',
        `atmos.tools/v1alpha1\nkind: Deployment\n---\ndeployment: ${D}\ntarget: dev\ncomponent: api\ndeployed_by: ${by}\nbuild_id: ""\ngit_sha: ${sha}\ntimestamp: ${stamp}\nstatus: ${status}\n`,
      ]);
    // A redeploy of the same SHA by another tool: a newer tag, the ref does not move.
    handTag('2099-01-01T00:00:00Z', a, 'hotfix@example.com', 'success');
    let state = await sameBothWays(repo);
    assert.equal(state.dev.api.deployedBy, 'hotfix@example.com');
    // Another tool deploys B and then rolls back to A: the ref ends where the index says.
    const b = commit(repo, 'b');
    git(repo, ['update-ref', `refs/atmos/deployments/${D}/dev/api`, b]);
    handTag('2099-01-02T00:00:00Z', b, 'atmos-go@example.com', 'success');
    git(repo, ['update-ref', `refs/atmos/deployments/${D}/dev/api`, a]);
    handTag('2099-01-03T00:00:00Z', a, 'atmos-go@example.com', 'rolled_back');
    state = await sameBothWays(repo);
    assert.equal(state.dev.api.sha, a);
    assert.equal(state.dev.api.tag, `atmos/deployments/${D}/dev/api/2099-01-03T00-00-00Z`);
  });

  it('a failed deploy step keeps the index answering, without reading tags', async () => {
    const repo = makeRepo({ [`${D}.yaml`]: PAYMENT_SERVICE });
    rollout(repo, ['--target', 'dev']);
    const c2 = commit(repo, 'next');
    const failed = cli(repo, ['rollout', D, '--target', 'dev', '--git-sha', c2, '--exec', 'false']);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    await sameBothWays(repo);
    const store = openGitStore(repo);
    await readDeployedState(store, deploymentOf(repo));
    assert.equal(store.processCount, 2, 'the index still answers every component');
  });

  it('an index ref that points at something else is ignored, then replaced', async () => {
    const repo = makeRepo({ [`${D}.yaml`]: PAYMENT_SERVICE });
    rollout(repo, ['--target', 'dev']);
    const blob = git(repo, ['hash-object', '-w', '--stdin'], undefined, '{"not":"an index"}\n');
    git(repo, ['update-ref', `refs/atmos/index/${D}/dev`, blob.trim()]);
    const tagged = git(
      repo,
      ['mktag'],
      undefined,
      `object ${head(repo)}\ntype commit\ntag x\ntagger A <a@b> 0 +0000\n\natmos-deployments status index v1\n{"deployment":"${D}","target":"dev","components":{"api":{"sha":"nonsense","tag":1}}}\n`,
    );
    await sameBothWays(repo);
    git(repo, ['update-ref', `refs/atmos/index/${D}/staging`, tagged.trim()]);
    await sameBothWays(repo);
    const c2 = commit(repo, 'next');
    rollout(repo, ['--target', 'dev', '--git-sha', c2]);
    assert.ok(indexAgrees(repo, D, 'dev'), 'the rollout wrote a whole new index over the blob');
    await sameBothWays(repo);
    assert.ok(fsckClean(repo));
  });

  it('a fully indexed status reads two objects lists, never the tags', async () => {
    const repo = makeRepo({ [`${D}.yaml`]: PAYMENT_SERVICE });
    rollout(repo, ['--target', 'dev']);
    rollout(repo, ['--target', 'staging', '--promote-from', 'dev']);
    const store = openGitStore(repo);
    const state = await readDeployedState(store, deploymentOf(repo));
    assert.equal(store.processCount, 2, 'one for-each-ref and one cat-file');
    assert.ok(state.staging.api.tag?.startsWith(`atmos/deployments/${D}/staging/api/`));
    assert.deepEqual(Object.keys(indexShas(repo, D, 'staging')).sort(), [
      'api',
      'database',
      'worker',
    ]);
  });
});
