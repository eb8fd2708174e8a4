// atmosDeployments/approvalRequests and atmosDeployments/decline over the real server, with the
// server polling a real remote (a bare repository) for requests: carol waits in her own clone
// with the CLI, and the editor's identity (dev@example.com) sees the request without fetching
// by hand, then declines it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResponseError } from 'vscode-jsonrpc';
import type { ApprovalRequestsResult, DeclineResult } from '../../server/src/protocol/requests';
import { CLI, testEnv } from '../git/helpers';
import { gitIn as git, Harness, PAYMENT, startInGitRepo } from './harness';

const CAROL = testEnv({
  GIT_AUTHOR_NAME: 'carol',
  GIT_AUTHOR_EMAIL: 'carol@example.com',
  GIT_COMMITTER_NAME: 'carol',
  GIT_COMMITTER_EMAIL: 'carol@example.com',
});

function carol(cwd: string, ...args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [CLI, ...args], {
      cwd,
      env: CAROL,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: e.stdout + e.stderr };
  }
}

describe('approval requests in the language server', () => {
  let h: Harness;
  let bare: string;
  let clone: string;
  before(async () => {
    h = await startInGitRepo(
      { 'deployments/payment.yaml': PAYMENT },
      { deployment: 'payment-service', target: 'dev' },
      { settings: { remote: 'origin', requestPollInterval: 1 } },
    );
    bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, 'clone', '-q', '--bare', h.root, '.');
    git(h.root, 'remote', 'add', 'origin', bare);
    clone = mkdtempSync(path.join(tmpdir(), 'atmos-carol-'));
    git(clone, 'clone', '-q', bare, '.');
    for (const args of [
      ['--target', 'dev'],
      ['--target', 'staging', '--promote-from', 'dev'],
    ]) {
      const r = carol(clone, 'rollout', 'payment-service', ...args, '--remote', 'origin');
      assert.equal(r.code, 0, r.out);
    }
    const r = carol(
      clone,
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--remote',
      'origin',
      '--wait',
      '1s',
      '--poll-interval',
      '200ms',
    );
    assert.equal(r.code, 3, r.out);
  });
  after(() => h.stop());

  test('the server polls the remote and lists the request as the editor’s to approve', async () => {
    const deadline = Date.now() + 15_000;
    let r: ApprovalRequestsResult;
    // No fetch is asked for here: only the server's own polling brings the request in.
    for (;;) {
      r = await h.request<ApprovalRequestsResult>('atmosDeployments/approvalRequests', {});
      if (r.requests.length || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(r.requests.length, 1, JSON.stringify(r));
    const [req] = r.requests;
    assert.equal(req.target, 'prod');
    assert.equal(req.promotedFrom, 'staging');
    assert.equal(req.requestedBy, 'carol@example.com');
    assert.equal(req.yours, true);
    assert.equal(req.summary, 'not approved yet');
    assert.deepEqual(Object.keys(req.components).sort(), ['api', 'db']);
  });

  test('decline needs a reason, then ends the request on the remote', async () => {
    await assert.rejects(
      h.request('atmosDeployments/decline', {
        deployment: 'payment-service',
        target: 'prod',
        reason: ' ',
      }),
      (err: ResponseError<unknown>) => /needs a reason/.test(err.message),
    );
    const d = await h.request<DeclineResult>('atmosDeployments/decline', {
      deployment: 'payment-service',
      target: 'prod',
      reason: 'change freeze',
    });
    assert.match(d.message, /Declined the approval request of carol@example\.com .*change freeze/);
    const log = git(bare, 'log', '--format=%B', 'refs/atmos/requests/payment-service/prod');
    assert.match(
      log,
      /"kind":"decline".*"declined_by":"dev@example\.com".*"reason":"change freeze"/,
    );
    const r = await h.request<ApprovalRequestsResult>('atmosDeployments/approvalRequests', {
      fetch: true,
    });
    assert.deepEqual(r.requests, []);
    await assert.rejects(
      h.request('atmosDeployments/decline', {
        deployment: 'payment-service',
        target: 'prod',
        reason: 'again',
      }),
      (err: ResponseError<unknown>) =>
        /is declined; there is nothing open to decline/.test(err.message),
    );
  });
});
