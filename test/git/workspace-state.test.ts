/**
 * The state of every deployment in one pass: the same answer as reading each deployment alone,
 * in the same few git processes for two deployments or six, and a read given the previous one
 * keeps the state of every deployment whose refs did not change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeploymentFile, type Deployment } from '../../server/src/core';
import { openGitStore, readDeployedState, readWorkspaceStates } from '../../server/src/rollout';
import { cli, commit, git, makeRepo } from './helpers';

function deploymentText(name: string): string {
  return `deployment:
  name: ${name}
  components:
    terraform:
      api: {}
      db: {}
  targets:
    dev: {}
    prod:
      promotion:
        from: dev
`;
}

function workspace(count: number): { repo: string; deployments: Deployment[] } {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`svc-${i}.yaml`] = deploymentText(`svc-${i}`);
  const repo = makeRepo(files);
  const deployments = Object.entries(files).map(([file, text]) => {
    const parsed = parseDeploymentFile(text, file);
    assert.ok(parsed.deployment);
    return parsed.deployment;
  });
  for (let i = 0; i < count; i++) {
    assert.equal(cli(repo, ['rollout', `svc-${i}`, '--target', 'dev']).code, 0);
    if (i % 2 === 0)
      assert.equal(
        cli(repo, ['rollout', `svc-${i}`, '--target', 'prod', '--promote-from', 'dev']).code,
        0,
      );
  }
  return { repo, deployments };
}

const name = (d: Deployment): string => d.name?.value ?? '';

describe('workspace state in one pass', () => {
  it('answers as each deployment read alone, in as many git processes for 2 as for 6', async () => {
    const counts: number[] = [];
    for (const n of [2, 6]) {
      const { repo, deployments } = workspace(n);
      // A record written with plain git (a moved ref no index entry names) is read from the tags.
      git(repo, ['update-ref', 'refs/atmos/deployments/svc-1/dev/db', commit(repo, 'by hand')]);
      const store = openGitStore(repo);
      const before = store.processCount;
      const all = await readWorkspaceStates(store, deployments);
      counts.push(store.processCount - before);
      assert.equal(all.states.size, n);
      for (const d of deployments)
        assert.deepEqual(
          all.states.get(name(d)),
          await readDeployedState(openGitStore(repo), d),
          name(d),
        );
      assert.equal(all.states.get('svc-1')?.dev?.db?.unrecorded, true);
      assert.ok(all.states.get('svc-0')?.prod?.api?.deployedAt);
    }
    assert.equal(
      counts[0],
      counts[1],
      `git processes for 2 and 6 deployments: ${counts.join(', ')}`,
    );
    assert.ok(counts[1] <= 3, `${counts[1]} git processes`);
  });

  it('given the previous read, keeps the state of deployments whose refs did not change', async () => {
    const { repo, deployments } = workspace(3);
    const store = openGitStore(repo);
    const first = await readWorkspaceStates(store, deployments);

    let before = store.processCount;
    const same = await readWorkspaceStates(store, deployments, first);
    assert.equal(store.processCount - before, 1, 'nothing changed: the listing alone');
    for (const d of deployments) assert.equal(same.states.get(name(d)), first.states.get(name(d)));

    const sha = commit(repo, 'next');
    assert.equal(cli(repo, ['rollout', 'svc-1', '--target', 'dev']).code, 0);
    before = store.processCount;
    const after = await readWorkspaceStates(store, deployments, same);
    assert.ok(store.processCount - before <= 3);
    assert.equal(after.states.get('svc-0'), first.states.get('svc-0'));
    assert.equal(after.states.get('svc-2'), first.states.get('svc-2'));
    assert.notEqual(after.states.get('svc-1'), first.states.get('svc-1'));
    assert.equal(after.states.get('svc-1')?.dev?.api?.sha, sha);
    assert.deepEqual(
      after.states.get('svc-1'),
      await readDeployedState(openGitStore(repo), deployments[1]),
    );
  });
});
