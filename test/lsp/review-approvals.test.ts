/**
 * approval_method: review in the real server: `review-approvers` and `approver-no-key` with the
 * repository's `.atmos/allowed_signers` read from disk, and a hover that says who must approve
 * and how many approvals.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Hover } from 'vscode-languageserver-protocol';
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
