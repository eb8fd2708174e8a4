/**
 * approval_method: review in the real server: `review-approvers` and `approver-no-key` with the
 * repository's `.atmos/allowed_signers` read from disk, and a hover that says who must approve
 * and how many approvals.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Hover } from 'vscode-languageserver-protocol';
import type { ApplyResult } from '../../server/src/protocol/requests';
import { cursor, Harness } from './harness';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE65xeCbegNGAizweSXoNbcofCYiE2fAwTdHuxCb5vlq';

const PAY = `deployment:
  name: pay
  targets:
    staging: {}
    prod:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
        min_approvals: 2
    qa:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
`;

describe('review approvals in the language server', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      files: { '.atmos/allowed_signers': `alice@example.com ${KEY}\n` },
      // The allowed-signers file belongs to a repository: its top is where `.git` is.
      prepare: (root) => fs.mkdirSync(path.join(root, '.git')),
    });
  });
  after(() => h.stop());

  test('review-approvers and approver-no-key are published at their ranges', async () => {
    const uri = await h.open('deployments/pay.yaml', PAY);
    const got = await h.diagnostics(uri, (d) => d.length >= 2);
    assert.deepEqual(
      got.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character]),
      [
        ['approver-no-key', 2, 9, 39],
        ['review-approvers', 1, 15, 25],
      ],
    );
    assert.match(
      got[0].message,
      /approver 'bob@example\.com' has no key in \.atmos\/allowed_signers/,
    );
    assert.match(got[1].message, /'approval_method: review' needs 'approvers'/);
  });

  test('hover on a review target names the approvers and the number of approvals', async () => {
    const uri = await h.open('deployments/pay2.yaml', PAY.replace('name: pay', 'name: pay2'));
    const { position } = cursor(PAY.replace('    prod:', '    pr|od:'));
    const r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    const md = (r.contents as { value: string }).value;
    assert.match(
      md,
      /requires 2 signed approvals \(review\) from alice@example\.com, bob@example\.com; the deployer's own never counts/,
    );
  });
});

describe('the editor cannot approve a review target for the deployer', () => {
  let h: Harness;
  const SERVICE = `deployment:
  name: pay
  components:
    terraform:
      api: {}
  targets:
    staging: {}
    prod:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
`;
  before(async () => {
    h = await Harness.start({
      files: { 'deployments/pay.yaml': SERVICE },
      prepare: (root) => {
        const git = (...args: string[]) => execFileSync('git', args, { cwd: root });
        git('init', '-q', '-b', 'main');
        git('config', 'user.email', 'carol@example.com');
        git('config', 'user.name', 'Carol');
        git('add', '.');
        git('commit', '-q', '-m', 'init');
      },
    });
    await h.open('deployments/pay.yaml', SERVICE);
  });
  after(() => h.stop());

  test('applyRollout with approve (the modal) is refused naming the approvers; nothing is written to prod', async () => {
    // The server sets up its git backends once it has the workspace's settings; until then
    // it answers that git records are not available yet.
    let staging: ApplyResult | undefined;
    for (let i = 0; i < 50 && !staging; i++) {
      staging = await h
        .request<ApplyResult>('atmosDeployments/applyRollout', {
          deployment: 'pay',
          target: 'staging',
        })
        .catch(async (err: Error) => {
          if (!/not available yet/.test(err.message)) throw err;
          await new Promise((r) => setTimeout(r, 100));
          return undefined;
        });
    }
    assert.ok(staging);
    assert.equal(staging.ok, true, staging.message);
    await assert.rejects(
      h.request('atmosDeployments/applyRollout', {
        deployment: 'pay',
        target: 'prod',
        promoteFrom: 'staging',
        approve: true,
      }),
      /--approve \(your own approval\) does not count: it needs 1 signed approval from alice@example\.com, bob@example\.com/,
    );
    await assert.rejects(
      h.request('atmosDeployments/applyRollout', {
        deployment: 'pay',
        target: 'prod',
        promoteFrom: 'staging',
      }),
      /requires review approval from alice@example\.com, bob@example\.com \(0 of 1 approval\)/,
    );
    const refs = execFileSync(
      'git',
      ['for-each-ref', 'refs/atmos/deployments/pay/prod/', 'refs/notes/'],
      {
        cwd: h.root,
        encoding: 'utf8',
      },
    );
    assert.equal(refs, '');
  });
});
