/**
 * Malformed params of every custom request, sent over stdio to the real server in a real git
 * repository: each is answered with JSON-RPC InvalidParams and a sentence naming the field,
 * nothing is written to git, and the server goes on answering well-formed requests.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { Harness, PAYMENT } from './harness';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

const INVALID_PARAMS = -32602;

/** [request, params, what the message must say]. */
const MALFORMED: Array<[string, unknown, RegExp]> = [
  ['atmosDeployments/graph', 42, /params must be an object, not a number/],
  [
    'atmosDeployments/graph',
    { deployment: ['payment-service'] },
    /params\.deployment must be a string, not a list/,
  ],
  ['atmosDeployments/graph', { uri: {} }, /params\.uri must be a string, not an object/],
  ['atmosDeployments/status', 'all', /params must be an object, not a string/],
  [
    'atmosDeployments/status',
    { withoutRecords: 1 },
    /params\.withoutRecords must be true or false/,
  ],
  ['atmosDeployments/planRollout', null, /params must be an object, not null/],
  ['atmosDeployments/planRollout', {}, /params\.deployment must be a string, not a undefined/],
  [
    'atmosDeployments/planRollout',
    { deployment: 'payment-service', target: 7 },
    /params\.target must be a string, not a number/,
  ],
  [
    'atmosDeployments/planRollout',
    { deployment: '', target: 'dev' },
    /params\.deployment must not be empty/,
  ],
  [
    'atmosDeployments/planRollout',
    { deployment: 'x'.repeat(5000), target: 'dev' },
    /params\.deployment is longer than 4096 characters/,
  ],
  [
    'atmosDeployments/planRollout',
    { deployment: 'payment-service', target: 'dev', components: 'api' },
    /params\.components must be a list, not a string/,
  ],
  [
    'atmosDeployments/planRollout',
    { deployment: 'payment-service', target: 'dev', components: ['api', 3] },
    /params\.components\[1\] must be a string/,
  ],
  [
    'atmosDeployments/applyRollout',
    { deployment: 'payment-service', target: 'dev', approve: 'yes' },
    /params\.approve must be true or false, not a string/,
  ],
  [
    'atmosDeployments/applyRollout',
    { deployment: 'payment-service', target: 'dev', redeploy: 1 },
    /params\.redeploy must be true or false/,
  ],
  [
    'atmosDeployments/applyRollout',
    { deployment: 'payment-service', target: 'dev', metadata: { ticket: 12 } },
    /params\.metadata\.ticket must be a string, not a number/,
  ],
  [
    'atmosDeployments/applyRollout',
    { deployment: 'payment-service', target: 'dev', metadata: ['a'] },
    /params\.metadata must be an object, not a list/,
  ],
  [
    'atmosDeployments/approve',
    { deployment: 'payment-service', target: 'prod' },
    /params must have exactly one of promoteFrom \(a promotion\) and gitSha/,
  ],
  [
    'atmosDeployments/approve',
    { deployment: 'payment-service', target: 'prod', promoteFrom: 'staging', gitSha: 'HEAD' },
    /params must have exactly one of promoteFrom \(a promotion\) and gitSha/,
  ],
  ['atmosDeployments/approve', [1, 2], /params must be an object, not a list/],
  [
    'atmosDeployments/history',
    { deployment: 'payment-service', limit: -1 },
    /params\.limit must be a whole number above 0/,
  ],
  [
    'atmosDeployments/history',
    { deployment: 'payment-service', limit: 1.5 },
    /params\.limit must be a whole number above 0/,
  ],
  ['atmosDeployments/history', { target: 'dev' }, /params\.deployment must be a string/],
  [
    'atmosDeployments/rollback',
    { deployment: 'payment-service', target: 'dev' },
    /params\.to must be a string/,
  ],
  [
    'atmosDeployments/rollback',
    { deployment: 'payment-service', target: 'dev', to: 'x', approve: null, extra: 1 },
    /never/,
  ],
  ['atmosDeployments/planRollback', { deployment: 'payment-service', to: 3 }, /params\.target/],
  ['atmosDeployments/approvalRequests', { fetch: 'yes' }, /params\.fetch must be true or false/],
  [
    'atmosDeployments/approvalRequests',
    { deployments: 'payment-service' },
    /params\.deployments must be a list, not a string/,
  ],
  [
    'atmosDeployments/decline',
    { deployment: 'payment-service', target: 'prod' },
    /params\.reason must be a string/,
  ],
  ['atmosDeployments/decline', 'prod', /params must be an object, not a string/],
];

describe('custom requests check their params', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      files: { 'deployments/payment-service.yaml': PAYMENT },
      prepare: (root) => {
        git(root, 'init', '-q', '-b', 'main');
        git(root, 'config', 'user.email', 'dev@example.com');
        git(root, 'config', 'user.name', 'Dev');
        git(root, 'add', '.');
        git(root, 'commit', '-q', '-m', 'init');
      },
    });
  });
  after(() => h.stop());

  for (const [method, params, message] of MALFORMED) {
    test(`${method} ${JSON.stringify(params)?.slice(0, 80)}`, async () => {
      if (message.source === 'never') {
        // `null` for an optional field and an unknown field are accepted: the request runs
        // (and fails for its own reason, an unknown tag), it is not refused as malformed.
        await assert.rejects(h.request(method, params), (err: ResponseError<unknown>) => {
          assert.notEqual(err.code, INVALID_PARAMS, err.message);
          return true;
        });
        return;
      }
      await assert.rejects(h.request(method, params), (err: ResponseError<unknown>) => {
        assert.equal(err.code, INVALID_PARAMS, err.message);
        assert.match(err.message, new RegExp(`^${method}: `));
        assert.match(err.message, message);
        return true;
      });
    });
  }

  test('nothing was written, and well-formed requests are still answered', async () => {
    assert.equal(git(h.root, 'for-each-ref', 'refs/atmos/', 'refs/notes/', 'refs/tags/'), '');
    const plan = await h.request<{ plan?: { target: string } }>('atmosDeployments/planRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(plan.plan?.target, 'dev');
    const status = await h.request<{ deployments: unknown[] }>(
      'atmosDeployments/status',
      undefined,
    );
    assert.equal(status.deployments.length, 1);
    assert.equal(h.exited, null);
  });
});
