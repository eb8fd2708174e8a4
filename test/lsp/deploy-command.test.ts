/**
 * The server's deploy step (`atmosDeployments.deployCommand`), as VS Code's Promote and Roll
 * Out call it: the same dependency waves, stopped dependents and ATMOS_VARS as the CLI's
 * `--exec`. (A dependency cycle never gets this far in the server: like every error in the
 * file, it refuses the rollout at the server's own validation, and the rollout service refuses
 * it again; test/git/deploy-waves.test.ts calls the service with one.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { gitIn, type Harness, startInGitRepo } from './harness';

const SHOP = `deployment:
  name: shop
  components:
    terraform:
      vpc: {}
      db:
        metadata: { depends_on: [terraform/vpc] }
    helmfile:
      api:
        vars: { replicas: 1 }
        metadata: { depends_on: [terraform/db] }
  targets:
    dev:
      context: { cpu: 256 }
`;

interface Result {
  ok: boolean;
  message: string;
}

/** The status each component's record says, by plain git. */
function statuses(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of gitIn(root, 'tag', '-l', 'atmos/deployments/shop/dev/*')
    .split('\n')
    .filter(Boolean))
    out[tag.split('/')[4]] = /\nstatus: (\w+)/.exec(gitIn(root, 'cat-file', '-p', tag))![1];
  return out;
}

describe('deployCommand in the server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('runs in waves with ATMOS_VARS, and a failure stops what depends on it', async () => {
    const command = `echo "$ATMOS_COMPONENT $ATMOS_VARS" >> deploy.log; test "$ATMOS_COMPONENT" != db`;
    h = await startInGitRepo(
      { 'deployments/shop.yaml': SHOP },
      { deployment: 'shop', target: 'dev' },
      { settings: { deployCommand: command } },
    );
    const r = await h.request<Result>('atmosDeployments/applyRollout', {
      deployment: 'shop',
      target: 'dev',
    });
    assert.equal(r.ok, false);
    const log = readFileSync(path.join(h.root, 'deploy.log'), 'utf8');
    assert.equal(log, 'vpc {"cpu":256}\ndb {"cpu":256}\n');
    assert.deepEqual(statuses(h.root), { vpc: 'success', db: 'failed', api: 'failed' });
    assert.match(r.message, /failed: db \(exit status 1\), api \(not run: it depends on db/);
  });
});
