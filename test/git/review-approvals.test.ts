/**
 * approval_method: review end to end (design section 11) with the built CLI, real ssh keys and
 * git's own signing: alice and bob approve, carol deploys, mallory's key is not trusted, dave
 * has a trusted key but is not an approver. Forged approvals are written with plain git.
 * Run: node esbuild.mjs && npx tsx --test test/git/review-approvals.test.ts
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { CLI, git } from './helpers';
import { assertClean, assertFinding, handRecord, tagRef, verify } from './verify-helpers';
import { forgeApproval, person, reviewRepo, run, type Person } from './review-helpers';

const PAY = `deployment:
  name: pay
  components:
    terraform:
      api: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com, carol@example.com]
    dr:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
        min_approvals: 2
`;

describe('approval_method: review', () => {
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  let mallory: Person;
  let dir: string;
  let sha: string;
  const line = (by: string, at: string, target = 'prod') => ({
    approved_by: by,
    approved_at: at,
    approver_role: '',
    target,
    deployment: 'pay',
    promoted_from: 'staging',
    components: { api: sha },
  });
  const prod = (who: Person, ...more: string[]) =>
    run(dir, who, ['rollout', 'pay', '--target', 'prod', '--promote-from', 'staging', ...more]);
  const approve = (who: Person, target = 'prod') =>
    run(dir, who, ['approve', 'pay', '--target', target, '--promote-from', 'staging']);

  before(() => {
    alice = person('alice');
    bob = person('bob');
    // The deployer's own log settings must not change what the tool reads from git log.
    carol = person('carol', true, '[log]\n\tshowSignature = true\n\tshowRoot = false\n');
    dave = person('dave');
    mallory = person('mallory');
    dir = reviewRepo(PAY, [alice, bob, carol, dave], carol);
    sha = git(dir, ['rev-parse', 'HEAD'], carol.env).trim();
    assert.equal(run(dir, carol, ['rollout', 'pay', '--target', 'dev']).code, 0);
    const r = run(dir, carol, ['rollout', 'pay', '--target', 'staging', '--promote-from', 'dev']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('--approve on a review target exits 1 naming the approvers, and writes nothing', () => {
    const refs = git(dir, ['for-each-ref'], carol.env);
    const r = prod(carol, '--approve');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /--approve \(your own approval\) does not count/);
    assert.match(r.stderr, /alice@example\.com, bob@example\.com, carol@example\.com/);
    assert.equal(git(dir, ['for-each-ref'], carol.env), refs);
  });

  it('on a terminal the deployer is not asked to approve: exit 3 naming the approvers', (t) => {
    if (spawnSync('script', ['--version']).status !== 0)
      return t.skip('util-linux script is missing');
    const quote = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const command = [
      process.execPath,
      CLI,
      'rollout',
      'pay',
      '--target',
      'prod',
      '--promote-from',
      'staging',
    ]
      .map(quote)
      .join(' ');
    // `script` gives the CLI a real pseudo-terminal, where a manual target would prompt.
    const r = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: dir,
      env: carol.env,
      encoding: 'utf8',
      input: 'y\r',
      timeout: 30_000,
    });
    assert.doesNotMatch(r.stdout, /Approve deployment\? \[y\/N\]/);
    assert.match(
      r.stdout,
      /requires review approval from alice@example\.com, bob@example\.com, carol@example\.com/,
    );
    assert.equal(r.status, 3, r.stdout);
  });

  it('approve without a signing setup fails and names the two git config lines', () => {
    const unsigned = person('alice', false);
    const r = approve(unsigned);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /git config gpg\.format ssh/);
    assert.match(r.stderr, /git config user\.signingkey <key>/);
  });

  it('the deployer’s own signed approval does not count', () => {
    const a = approve(carol);
    assert.equal(a.code, 0, a.stderr);
    const r = prod(carol);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /0 of 1 approval/);
    assert.match(r.stderr, /carol@example\.com rolls it out, and a deployer never approves/);
  });

  it('unsigned, untrusted-key, wrong-signer and unlisted approvals do not count, each with its reason', () => {
    forgeApproval(dir, line('alice@example.com', '2026-01-01T00:00:01Z'), [sha]);
    forgeApproval(dir, line('alice@example.com', '2026-01-01T00:00:02Z'), [sha], mallory);
    forgeApproval(dir, line('alice@example.com', '2026-01-01T00:00:03Z'), [sha], bob);
    forgeApproval(dir, line('dave@example.com', '2026-01-01T00:00:04Z'), [sha], dave);
    const r = prod(carol);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /alice@example\.com does not count: it is not signed/);
    assert.match(
      r.stderr,
      /signed with a key that \.atmos\/allowed_signers does not list for alice@example\.com/,
    );
    assert.match(r.stderr, /signed by bob@example\.com, not by alice@example\.com/);
    assert.match(r.stderr, /dave@example\.com is not a listed approver/);
    assert.equal(git(dir, ['tag', '-l', 'atmos/deployments/pay/prod/*'], carol.env), '');
  });

  it('dave (not listed) cannot record a review approval with the tool either', () => {
    const r = approve(dave);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /only alice@example\.com, bob@example\.com, carol@example\.com may approve/,
    );
  });

  it('with min_approvals: 2, one signed approval is not enough and two are', () => {
    assert.equal(approve(alice, 'dr').code, 0);
    const one = run(dir, carol, ['rollout', 'pay', '--target', 'dr', '--promote-from', 'staging']);
    assert.equal(one.code, 3, one.stdout + one.stderr);
    assert.match(one.stderr, /1 of 2 approvals: alice@example\.com/);
    const status = run(dir, carol, ['promotion-status', 'pay']);
    assert.match(status.stdout, /requires approval \(1 of 2 approvals: alice@example\.com\)/);
    // The same approver twice still counts once: a second, genuinely signed approval by alice
    // at another time (written with git and her own key, so two approvals in one second cannot
    // merge into one and hide the case).
    forgeApproval(dir, line('alice@example.com', '2026-01-01T00:00:05Z', 'dr'), [sha], alice);
    const again = run(dir, carol, [
      'rollout',
      'pay',
      '--target',
      'dr',
      '--promote-from',
      'staging',
    ]);
    assert.equal(again.code, 3, again.stdout + again.stderr);
    assert.match(again.stderr, /does not count again: each approver counts once/);
    assert.equal(approve(bob, 'dr').code, 0);
    const two = run(dir, carol, ['rollout', 'pay', '--target', 'dr', '--promote-from', 'staging']);
    assert.equal(two.code, 0, two.stdout + two.stderr);
    const msg = git(
      dir,
      ['tag', '-l', '--format=%(contents)', 'atmos/deployments/pay/dr/*'],
      carol.env,
    );
    assert.match(msg, /approver: alice@example\.com, bob@example\.com/);
    // history names both approvers, each backed by its note.
    const hist = run(dir, carol, ['history', 'pay', '--target', 'dr']);
    assert.match(hist.stdout, /approved by alice@example\.com, bob@example\.com/);
  });

  it('a signed approval by a listed approver counts, once', () => {
    const a = approve(alice);
    assert.equal(a.code, 0, a.stderr);
    const r = prod(carol);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr + r.stdout, /Approval received from: alice@example\.com/);
    // Spent: the next rollout of the same SHAs needs a new approval.
    const again = prod(carol, '--redeploy');
    assert.equal(again.code, 3, again.stdout + again.stderr);
  });

  it('verify passes on the trail the tool wrote', () => {
    assertClean(verify(dir, ['pay']));
  });

  it('verify flags each forged approval a hand-made prod record carries', () => {
    const forged = (second: number, by: string, deployedBy = 'carol@example.com') =>
      tagRef(
        handRecord(dir, {
          target: 'prod',
          component: 'api',
          sha,
          timestamp: `2030-01-01T00:00:0${second}Z`,
          promoted_from: 'staging',
          deployed_by: deployedBy,
          metadata: { approver: by, approval_timestamp: `2026-01-01T00:00:0${second}Z` },
        }),
      );
    const unsigned = forged(1, 'alice@example.com');
    const untrusted = forged(2, 'alice@example.com');
    const wrongSigner = forged(3, 'alice@example.com');
    const unlisted = forged(4, 'dave@example.com');
    const v = verify(dir, ['pay']);
    assert.match(assertFinding(v, 'approval-unsigned', unsigned).message, /it is not signed/);
    assert.match(
      assertFinding(v, 'approval-unsigned', untrusted).message,
      /signed with a key that \.atmos\/allowed_signers does not list/,
    );
    assert.match(
      assertFinding(v, 'approval-unsigned', wrongSigner).message,
      /signed by bob@example\.com, not by alice@example\.com/,
    );
    assert.match(
      assertFinding(v, 'approval-insufficient', unlisted).message,
      /needs 1 signed approval from .*0 of 1 approval\. The approval by dave@example\.com does not count: dave@example\.com is not a listed approver/,
    );
    for (const ref of [unsigned, untrusted, wrongSigner])
      assertFinding(v, 'approval-insufficient', ref);
    // The deployer's own signed approval, carried by a record carol wrote by hand.
    const notes = git(
      dir,
      ['notes', '--ref=refs/notes/atmos/pay/approvals', 'show', sha],
      carol.env,
    );
    // Signed appends keep the contract's one object per line, with no blank line between
    // (bob's and then alice's approvals were the last two recorded with `approve`).
    assert.match(
      notes,
      /"approved_by":"bob@example\.com"[^\n]*\n\{"approved_by":"alice@example\.com"/,
    );
    const own = notes
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { approved_by: string; approved_at: string; target: string })
      .find((a) => a.approved_by === 'carol@example.com' && a.target === 'prod')!;
    const self = tagRef(
      handRecord(dir, {
        target: 'prod',
        component: 'api',
        sha,
        timestamp: '2030-01-01T00:00:09Z',
        promoted_from: 'staging',
        deployed_by: 'carol@example.com',
        metadata: { approver: own.approved_by, approval_timestamp: own.approved_at },
      }),
    );
    const v2 = verify(dir, ['pay']);
    assert.match(
      assertFinding(v2, 'approval-insufficient', self).message,
      /carol@example\.com rolls it out, and a deployer never approves their own rollout/,
    );
    assert.equal(
      v2.findings.some((f) => f.ref === self && f.code === 'approval-unsigned'),
      false,
      'carol signed it herself: the signature is good, the approval still does not count',
    );
  });
});

describe('approval_method: review, the first approval of a repository', () => {
  it('counts when it is the notes ref’s root commit, whatever the deployer’s log.showRoot', () => {
    const alice = person('alice');
    const carol = person('carol', true, '[log]\n\tshowRoot = false\n');
    const dir = reviewRepo(PAY, [alice, carol], carol);
    assert.equal(run(dir, carol, ['rollout', 'pay', '--target', 'dev']).code, 0);
    assert.equal(
      run(dir, carol, ['rollout', 'pay', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    const a = run(dir, alice, ['approve', 'pay', '--target', 'prod', '--promote-from', 'staging']);
    assert.equal(a.code, 0, a.stderr);
    // The approval is in the notes ref's first (root) commit.
    assert.equal(
      git(dir, ['rev-list', '--count', 'refs/notes/atmos/pay/approvals'], carol.env).trim(),
      '1',
    );
    const r = run(dir, carol, ['rollout', 'pay', '--target', 'prod', '--promote-from', 'staging']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
