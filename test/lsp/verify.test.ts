// atmosDeployments/verify over the real server: the same check as `atmos-deployments verify`,
// with each finding placed at the target it concerns in the deployment file, so an editor can
// show it in its problems list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApplyResult, VerifyResult } from '../../server/src/protocol/requests';
import { gitIn as git, Harness, PAYMENT, startInGitRepo } from './harness';

describe('atmosDeployments/verify', () => {
  let h: Harness;
  let uri: string;
  before(async () => {
    h = await startInGitRepo(
      { 'deployments/payment.yaml': PAYMENT },
      { deployment: 'payment-service', target: 'dev' },
    );
    uri = h.uri('deployments/payment.yaml');
  });
  after(() => h.stop());

  test('a trail the tool wrote verifies clean', async () => {
    for (const p of [{ target: 'dev' }, { target: 'staging', promoteFrom: 'dev' }]) {
      const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
        deployment: 'payment-service',
        ...p,
      });
      assert.equal(r.ok, true, r.message);
    }
    const v = await h.request<VerifyResult>('atmosDeployments/verify', {});
    assert.deepEqual(v.findings, []);
    assert.equal(v.records, 4);
    assert.ok(v.gitProcesses > 0);
  });

  test('a ref moved with plain git is a finding at its target in the file', async () => {
    const rogue = git(h.root, 'commit-tree', '-m', 'rogue', 'HEAD^{tree}').trim();
    const ref = 'refs/atmos/deployments/payment-service/staging/api';
    git(h.root, 'update-ref', ref, rogue);
    const v = await h.request<VerifyResult>('atmosDeployments/verify', {
      deployments: ['payment-service'],
    });
    const f = v.findings.find((x) => x.ref === ref);
    assert.ok(f, JSON.stringify(v.findings));
    assert.equal(f.code, 'ref-unbacked');
    assert.equal(f.target, 'staging');
    assert.equal(f.uri, uri);
    // `    staging:` is the line of the target's key.
    const line = PAYMENT.split('\n').findIndex((l) => l === '    staging:');
    assert.deepEqual(f.range?.start, { line, character: 4 });
  });

  test('malformed params are refused with InvalidParams naming the field; the server stays up', async () => {
    await assert.rejects(
      h.request<VerifyResult>('atmosDeployments/verify', { deployments: 'x' }),
      (err: { code?: number; message?: string }) =>
        err.code === -32602 && /deployments/.test(String(err.message)),
    );
    const v = await h.request<VerifyResult>('atmosDeployments/verify', {});
    assert.ok(Array.isArray(v.findings));
  });
});
