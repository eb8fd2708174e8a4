// Committed rules over the language server (design section 11): a rollout, approval or
// rollback follows the deployment file as committed, never the editor's unsaved text. An
// unsaved `prod: {}` must not open prod; the refusal names the file and carries its URI, so
// the VS Code client can offer to open its changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AtmosErrorCodes,
  type ApplyResult,
  type RolloutErrorData,
} from '../../server/src/protocol/requests';
import { gitIn as git, Harness, PAYMENT, startInGitRepo } from './harness';

/** prod with its gate removed, as someone might type it and never save or commit it. */
const OPEN = PAYMENT.replace(/( {4}prod:\n)(?: {6}.*\n)+/, '    prod: {}\n');

describe('committed rules in the editor', () => {
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

  const refs = () => git(h.root, 'for-each-ref', 'refs/atmos', 'refs/tags', 'refs/notes');

  test('the fixture really gates prod, and OPEN really removes the gate', () => {
    assert.match(PAYMENT, /prod:\n\s+promotion:/);
    assert.match(OPEN, /prod: \{\}/);
    assert.doesNotMatch(OPEN, /requires_approval/);
  });

  test('an unsaved `prod: {}` is refused for plan and apply, with the file in the error data', async () => {
    await h.change(uri, OPEN);
    const before = refs();
    const uncommitted = (err: unknown) => {
      const e = err as { code?: number; message?: string; data?: RolloutErrorData };
      assert.equal(e.code, AtmosErrorCodes.refused, e.message);
      assert.match(
        String(e.message),
        /deployments\/payment\.yaml has uncommitted changes; promotion rules are read from committed config \(HEAD\)\. Commit them first\./,
      );
      assert.equal(e.data?.reason, 'uncommitted-policy');
      assert.equal(e.data?.uri, uri);
      return true;
    };
    const head = git(h.root, 'rev-parse', 'HEAD').trim();
    await assert.rejects(
      h.request('atmosDeployments/planRollout', {
        deployment: 'payment-service',
        target: 'prod',
        gitSha: head,
      }),
      uncommitted,
    );
    await assert.rejects(
      h.request('atmosDeployments/applyRollout', {
        deployment: 'payment-service',
        target: 'prod',
        gitSha: head,
        approve: true,
      }),
      uncommitted,
    );
    assert.equal(refs(), before);
  });

  test('with the editor back on the committed text, the rollout is recorded with policy_sha', async () => {
    await h.change(uri, PAYMENT);
    const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(r.ok, true, r.message);
    const head = git(h.root, 'rev-parse', 'HEAD').trim();
    const tag = r.tags[0];
    assert.match(git(h.root, 'cat-file', 'tag', tag), new RegExp(`\\npolicy_sha: ${head}\\n`));
  });
});
