// Restricted Mode on the server side: a client that starts the server in an untrusted
// workspace gets read requests answered and every git write refused, until it says the
// workspace is trusted. The client disables those commands too; this is the second lock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AtmosErrorCodes,
  type ApplyResult,
  type PlanResult,
} from '../../server/src/protocol/requests';
import { gitIn as git, Harness, PAYMENT, startInGitRepo } from './harness';

describe('restricted mode (initializationOptions.workspaceTrusted: false)', () => {
  let h: Harness;
  before(async () => {
    h = await startInGitRepo(
      { 'deployments/payment.yaml': PAYMENT },
      { deployment: 'payment-service', target: 'dev' },
      { initializationOptions: { workspaceTrusted: false } },
    );
  });
  after(() => h.stop());

  const refs = () => git(h.root, 'for-each-ref', 'refs/atmos', 'refs/tags', 'refs/notes');

  test('reads work: a plan is answered', async () => {
    const r = await h.request<PlanResult>('atmosDeployments/planRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(r.plan?.target, 'dev');
    assert.equal(r.plan?.components.length, 2);
  });

  test('applyRollout, approve and rollback are refused with the untrusted code; nothing is written', async () => {
    const before = refs();
    const refused = (err: unknown) =>
      (err as { code?: number }).code === AtmosErrorCodes.untrusted &&
      /Restricted Mode/.test(String((err as Error).message));
    await assert.rejects(
      h.request('atmosDeployments/applyRollout', { deployment: 'payment-service', target: 'dev' }),
      refused,
    );
    await assert.rejects(
      h.request('atmosDeployments/approve', {
        deployment: 'payment-service',
        target: 'staging',
        promoteFrom: 'dev',
      }),
      refused,
    );
    await assert.rejects(
      h.request('atmosDeployments/rollback', {
        deployment: 'payment-service',
        target: 'dev',
        to: '2025-01-22T12-00-00Z',
      }),
      refused,
    );
    assert.equal(refs(), before);
    assert.equal(before, '');
  });

  test('after the client reports the workspace trusted, a rollout is recorded', async () => {
    await h.conn.sendNotification('atmosDeployments/workspaceTrusted', {});
    const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(r.ok, true, r.message);
    assert.match(refs(), /refs\/atmos\/deployments\/payment-service\/dev\//);
  });
});
