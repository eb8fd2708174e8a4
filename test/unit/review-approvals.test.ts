// approval_method: review (design section 11): the two rules that check its configuration
// (`review-approvers`, `approver-no-key`) and the pure decision of which signed approvals count
// (`countReviewApprovals`), which the rollout service and `verify` share.
// Run: npx tsx --test test/unit/review-approvals.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approvalRequirement,
  countReviewApprovals,
  parseAllowedSigners,
  parseDeploymentFile,
  type Approval,
  type LineSignature,
} from '../../server/src/core';
import { brief, check, dedent, expectAt, expectClean, marked, span, withCode } from './helpers';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE65xeCbegNGAizweSXoNbcofCYiE2fAwTdHuxCb5vlq';

function review(promotion: string): string {
  return dedent(`
    deployment:
      name: pay
      targets:
        staging: {}
        prod:
          promotion:
            from: staging
            requires_approval: true
${promotion}`);
}

describe('review-approvers', () => {
  test('review without approvers is an error at approval_method', () => {
    const [p] = expectAt('review-approvers', review(`            approval_method: ⟦review⟧\n`));
    assert.equal(p.severity, 'error');
    assert.match(p.message, /'approval_method: review' needs 'approvers'/);
  });

  test('an empty approvers list is an error at the list', () => {
    expectAt(
      'review-approvers',
      review(`            approval_method: review\n            approvers: ⟦[]⟧\n`),
    );
  });

  test('min_approvals above the number of (distinct) approvers is an error at the number', () => {
    const [p] = expectAt(
      'review-approvers',
      review(
        `            approval_method: review\n            approvers: [a@example.com, a@example.com]\n            min_approvals: ⟦2⟧\n`,
      ),
    );
    assert.match(
      p.message,
      /'min_approvals: 2' asks for more approvals than there are approvers \(1\)/,
    );
  });

  test('a correct review target, and manual with no approvers, are clean', () => {
    expectClean(
      review(
        `            approval_method: review\n            approvers: [alice@example.com, bob@example.com]\n            min_approvals: 2\n`,
      ),
    );
    expectClean(review(`            approval_method: manual\n`));
  });

  test('review is in the schema enum, and an approver must be an e-mail identity', () => {
    const problems = check(
      review(`            approval_method: review\n            approvers: [alice]\n`),
    );
    assert.deepEqual(withCode(problems, 'schema').length, 1, JSON.stringify(brief(problems)));
    assert.deepEqual(
      withCode(check(review(`            approval_method: revieww\n`)), 'schema').length,
      1,
    );
  });
});

describe('approver-no-key', () => {
  const text = review(
    `            approval_method: review\n            approvers: [alice@example.com, ⟦bob@example.com⟧]\n`,
  );

  test('an approver with no key in .atmos/allowed_signers is a warning at the name', () => {
    const { text: yaml, spans } = marked(text);
    const signers = parseAllowedSigners(`# team\nalice@example.com ${KEY}\n`);
    const problems = check(yaml, { allowedSigners: signers });
    const mine = withCode(problems, 'approver-no-key');
    assert.deepEqual(
      mine.map((p) => span(p.range)),
      spans,
    );
    assert.equal(mine[0].severity, 'warning');
    assert.match(mine[0].message, /'bob@example\.com' has no key in \.atmos\/allowed_signers/);
  });

  test('principal lists, quoted principals, options and wildcards count as keys', () => {
    const { text: yaml } = marked(text);
    for (const file of [
      `alice@example.com,bob@example.com ${KEY}`,
      `"alice@example.com,bob@example.com" namespaces="git" ${KEY}`,
      `*@example.com ${KEY}`,
    ])
      assert.deepEqual(
        withCode(check(yaml, { allowedSigners: parseAllowedSigners(file) }), 'approver-no-key'),
        [],
        file,
      );
  });

  test('no file: every approver is reported; not read (no option): not checked', () => {
    const { text: yaml } = marked(text);
    const missing = withCode(
      check(yaml, { allowedSigners: parseAllowedSigners(undefined) }),
      'approver-no-key',
    );
    assert.equal(missing.length, 2);
    assert.match(missing[0].message, /the repository has no \.atmos\/allowed_signers/);
    assert.deepEqual(withCode(check(yaml), 'approver-no-key'), []);
  });
});

describe('countReviewApprovals', () => {
  const rule = { approvers: ['alice@example.com', 'bob@example.com'], minApprovals: 2 };
  const at = (s: number) => `2026-01-01T00:00:0${s}Z`;
  function approval(by: string, s: number): Approval {
    return {
      approved_by: by,
      approved_at: at(s),
      target: 'prod',
      deployment: 'pay',
      promoted_from: 'staging',
      components: { api: 'a'.repeat(40) },
    };
  }
  const good = (signer: string): LineSignature[] => [{ status: 'G', signer }];

  test('two listed, signed approvers other than the deployer count; one is not enough', () => {
    const one = countReviewApprovals(
      [{ approval: approval('alice@example.com', 1), signatures: good('alice@example.com') }],
      rule,
      'carol@example.com',
    );
    assert.equal(one.enough, false);
    assert.equal(one.summary, '1 of 2 approvals: alice@example.com');
    const two = countReviewApprovals(
      [
        { approval: approval('alice@example.com', 1), signatures: good('alice@example.com') },
        { approval: approval('bob@example.com', 2), signatures: good('bob@example.com') },
      ],
      rule,
      'carol@example.com',
    );
    assert.equal(two.enough, true);
    assert.deepEqual(
      two.counted.map((a) => a.approved_by),
      ['alice@example.com', 'bob@example.com'],
    );
  });

  test('each reason a candidate does not count', () => {
    const r = countReviewApprovals(
      [
        { approval: approval('alice@example.com', 1), signatures: good('alice@example.com') },
        { approval: approval('alice@example.com', 2), signatures: good('alice@example.com') },
        { approval: approval('Bob@Example.com', 3), signatures: good('bob@example.com') },
        { approval: approval('mallory@example.com', 4), signatures: good('mallory@example.com') },
        { approval: approval('bob@example.com', 5), signatures: [] },
        { approval: approval('bob@example.com', 6), signatures: [{ status: 'U', signer: '' }] },
        { approval: approval('bob@example.com', 7), signatures: good('alice@example.com') },
        { approval: approval('bob@example.com', 8), signatures: [{ status: 'B', signer: '' }] },
      ],
      rule,
      'bob@example.com',
    );
    assert.deepEqual(
      r.counted.map((a) => a.approved_at),
      [at(1)],
    );
    assert.deepEqual(
      r.rejected.map((x) => x.reason.replace(/^the approval by \S+ (at \S+ )?/, '')),
      [
        'does not count again: each approver counts once',
        'does not count: Bob@Example.com rolls it out, and a deployer never approves their own rollout',
        'does not count: mallory@example.com is not a listed approver (alice@example.com, bob@example.com)',
        'does not count: bob@example.com rolls it out, and a deployer never approves their own rollout',
        'does not count: bob@example.com rolls it out, and a deployer never approves their own rollout',
        'does not count: bob@example.com rolls it out, and a deployer never approves their own rollout',
        'does not count: bob@example.com rolls it out, and a deployer never approves their own rollout',
      ],
    );
    const signed = countReviewApprovals(
      [5, 6, 7, 8].map((s, i) => ({
        approval: approval('bob@example.com', s),
        signatures: [
          [],
          [{ status: 'U', signer: '' }],
          good('alice@example.com'),
          [{ status: 'B', signer: '' }],
        ][i],
      })),
      rule,
      'carol@example.com',
    );
    assert.deepEqual(
      signed.rejected.map((x) => x.reason.replace(/^the approval by \S+ /, '')),
      [
        "does not count: it is not signed (review approvals are recorded with `atmos-deployments approve` and git's signing)",
        'does not count: it is signed with a key that .atmos/allowed_signers does not list for bob@example.com',
        'does not count: it was signed by alice@example.com, not by bob@example.com',
        'does not count: its signature is bad (the notes commit was altered after signing)',
      ],
    );
  });

  test('hover text names who must approve and how many', () => {
    const file = parseDeploymentFile(
      review(
        `            approval_method: review\n            approvers: [alice@example.com, bob@example.com]\n            min_approvals: 2\n`,
      ),
      'pay.yaml',
    );
    const prod = file.deployment!.targets.find((t) => t.name === 'prod')!;
    assert.equal(
      approvalRequirement(prod.promotion),
      "requires 2 signed approvals (review) from alice@example.com, bob@example.com; the deployer's own never counts",
    );
  });
});
