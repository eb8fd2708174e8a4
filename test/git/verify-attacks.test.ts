/**
 * `verify` against someone with push access who writes records with plain git (design section
 * 11): every way around the rules listed in issue 14 item 6 is found, named by code and ref.
 * The tool writes an honest trail first (dev → staging → prod with approval), then the attack
 * is typed in with `git tag -a`, `git update-ref` and `git notes`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { commit, git } from './helpers';
import {
  assertClean,
  assertFinding,
  assertNoFinding,
  depRef,
  handApproval,
  handRecord,
  headSha,
  looseCommit,
  payRepo,
  tagRef,
  tagsOf,
  toolTrail,
  verify,
} from './verify-helpers';

test('1. a source ref written with plain git, then promoted to prod by hand-written records', () => {
  const dir = payRepo();
  toolTrail(dir);
  assertClean(verify(dir));
  const x = looseCommit(dir);
  git(dir, ['update-ref', depRef('staging', 'api'), x]);
  const prod = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: x,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'staging',
  });
  const v = verify(dir);
  assertFinding(v, 'ref-unbacked', depRef('staging', 'api'));
  assertFinding(v, 'source-not-recorded', tagRef(prod));
  // The tool's status index still names the recorded SHA for staging/api.
  assertFinding(v, 'index-mismatch', 'refs/atmos/index/pay/staging');
  // The hand-written prod record backs its ref, so the prod ref itself is not unbacked.
  assertNoFinding(v, 'ref-unbacked', depRef('prod', 'api'));
});

test('2a. a hand-made tag whose message says git_sha E but whose object is another commit', () => {
  const dir = payRepo();
  toolTrail(dir);
  const e = looseCommit(dir, 'E');
  const other = headSha(dir);
  const name = handRecord(
    dir,
    { target: 'dev', component: 'api', sha: e, object: other, timestamp: '2030-01-01T00:00:00Z' },
    { moveRef: false },
  );
  const v = verify(dir);
  const f = assertFinding(v, 'tag-mismatch', tagRef(name));
  assert.match(f.message, new RegExp(e.slice(0, 9)));
});

test('2b. a rollback tag whose rollback_of names a tag of another SHA', () => {
  const dir = payRepo();
  toolTrail(dir);
  const first = tagsOf(dir, 'dev', 'api')[0];
  const b = commit(dir, 'B');
  // B reaches dev honestly, then a "rollback" claims to return to the first record with B.
  const again = handRecord(dir, {
    target: 'dev',
    component: 'api',
    sha: b,
    timestamp: '2030-01-01T00:00:00Z',
  });
  const rb = handRecord(dir, {
    target: 'dev',
    component: 'api',
    sha: b,
    timestamp: '2030-01-01T00:01:00Z',
    status: 'rolled_back',
    rollback_of: first,
  });
  const v = verify(dir);
  const f = assertFinding(v, 'rollback-invalid', tagRef(rb));
  assert.match(f.message, /which recorded/);
  assertNoFinding(v, 'rollback-invalid', tagRef(again));
});

test('3a. a prod record promoted from dev when prod only accepts staging', () => {
  const dir = payRepo();
  toolTrail(dir);
  const sha = headSha(dir);
  const name = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'dev',
  });
  const f = assertFinding(verify(dir), 'source-not-allowed', tagRef(name));
  assert.match(f.message, /Cannot promote directly from dev to prod\. Must promote from staging\./);
  assert.match(f.message, /names no policy_sha/, 'a record without policy_sha says so');
});

test('3b. a prod record with no promoted_from (a commit rolled straight onto prod)', () => {
  const dir = payRepo();
  toolTrail(dir);
  const name = handRecord(dir, {
    target: 'prod',
    component: 'worker',
    sha: headSha(dir),
    timestamp: '2030-01-01T00:00:00Z',
  });
  const f = assertFinding(verify(dir), 'source-not-allowed', tagRef(name));
  assert.match(f.message, /Cannot deploy a commit directly to prod/);
});

test('4. a prod record for SHA E promoted from staging when E never ran in staging', () => {
  const dir = payRepo();
  toolTrail(dir);
  const e = commit(dir, 'E');
  // E was committed but never rolled out anywhere, so staging never ran it.
  const r = verify(dir);
  assertClean(r);
  const name = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'staging',
  });
  const v = verify(dir);
  const f = assertFinding(v, 'source-not-recorded', tagRef(name));
  assert.match(f.message, /staging never recorded/);
});

test('5. metadata.approver on a gated rollout with no approval note', () => {
  const dir = payRepo();
  toolTrail(dir);
  const e = commit(dir, 'E');
  // E goes through dev and staging honestly; only the prod approval is typed in.
  handRecord(dir, { target: 'dev', component: 'api', sha: e, timestamp: '2030-01-01T00:00:00Z' });
  handRecord(dir, {
    target: 'staging',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:01:00Z',
    promoted_from: 'dev',
  });
  const name = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:02:00Z',
    promoted_from: 'staging',
    metadata: { approver: 'alice@example.com', approval_timestamp: '2030-01-01T00:01:30Z' },
  });
  const v = verify(dir);
  const f = assertFinding(v, 'approval-missing', tagRef(name));
  assert.match(f.message, /alice@example\.com/);
  assertNoFinding(v, 'source-not-recorded', tagRef(name));
});

test('6. one approval carried by two rollouts (a rollout, then a rollback to the same SHAs)', () => {
  const dir = payRepo();
  toolTrail(dir);
  const a = headSha(dir);
  const approval = { approver: 'alice@example.com', approval_timestamp: '2030-01-01T00:02:30Z' };
  const e = commit(dir, 'E');
  handRecord(dir, { target: 'dev', component: 'api', sha: e, timestamp: '2030-01-01T00:00:00Z' });
  handRecord(dir, {
    target: 'staging',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:01:00Z',
    promoted_from: 'dev',
  });
  handApproval(dir, e, {
    approved_by: 'alice@example.com',
    approved_at: approval.approval_timestamp,
    target: 'prod',
    promoted_from: 'staging',
    components: { api: e },
  });
  const first = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:03:00Z',
    promoted_from: 'staging',
    metadata: approval,
  });
  // The tool's approval of A is spent by the tool's own prod rollout; now prod goes back to A
  // and then forward to E again, the second time with alice's spent approval.
  const back = tagsOf(dir, 'prod', 'api')[0];
  handApproval(dir, a, {
    approved_by: 'bob@example.com',
    approved_at: '2030-01-01T00:03:30Z',
    target: 'prod',
    promoted_from: 'staging',
    components: { api: a },
  });
  handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: a,
    timestamp: '2030-01-01T00:04:00Z',
    promoted_from: 'staging',
    status: 'rolled_back',
    rollback_of: back,
    metadata: { approver: 'bob@example.com', approval_timestamp: '2030-01-01T00:03:30Z' },
  });
  const second = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:05:00Z',
    promoted_from: 'staging',
    status: 'rolled_back',
    rollback_of: first,
    metadata: approval,
  });
  const v = verify(dir);
  const f = assertFinding(v, 'approval-reused', tagRef(second));
  assert.match(f.message, new RegExp(first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assertNoFinding(v, 'approval-reused', tagRef(first));
  assertNoFinding(v, 'approval-missing', tagRef(second));
});

test('7a. a target name with a Cyrillic letter (prоd)', () => {
  const dir = payRepo();
  toolTrail(dir);
  const ref = depRef('pr\u043ed', 'api');
  git(dir, ['update-ref', ref, headSha(dir)]);
  const f = assertFinding(verify(dir), 'invalid-name', ref);
  assert.match(f.message, /U\+043E/);
});

test('7b. a target Prod beside prod', () => {
  const dir = payRepo();
  toolTrail(dir);
  const sha = headSha(dir);
  const name = handRecord(dir, {
    target: 'Prod',
    component: 'api',
    sha,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'staging',
  });
  const v = verify(dir);
  assertFinding(v, 'invalid-name', tagRef(name));
  assertFinding(v, 'invalid-name', depRef('Prod', 'api'));
  assertNoFinding(v, 'invalid-name', depRef('prod', 'api'));
});

test('8. a record whose policy_sha is a side-branch commit that weakens the rules', () => {
  const dir = payRepo();
  toolTrail(dir);
  const main = headSha(dir);
  git(dir, ['checkout', '-q', '-b', 'weaker']);
  const file = path.join(dir, 'deployments', 'pay.yaml');
  writeFileSync(
    file,
    `deployment:\n  name: pay\n  components:\n    terraform:\n      api: {}\n      worker: {}\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: dev\n    prod:\n      promotion:\n        allowed_from: [dev, staging]\n`,
  );
  git(dir, ['commit', '-q', '-am', 'prod takes dev, no approval']);
  const side = headSha(dir);
  git(dir, ['checkout', '-q', 'main']);
  const name = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: main,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'dev',
    policy_sha: side,
  });
  const v = verify(dir);
  const f = assertFinding(v, 'policy-not-on-branch', tagRef(name));
  assert.match(f.message, new RegExp(side.slice(0, 9)));
  // Judged by its own (weaker) rules the record passes; only the policy's origin gives it away.
  assertNoFinding(v, 'source-not-allowed', tagRef(name));
  assertNoFinding(v, 'approval-missing', tagRef(name));
  // The same record with a policy on the branch is judged by the branch's rules instead.
  const honest = handRecord(dir, {
    target: 'prod',
    component: 'worker',
    sha: main,
    timestamp: '2030-01-01T00:01:00Z',
    promoted_from: 'dev',
    policy_sha: main,
  });
  const w = verify(dir);
  assertNoFinding(w, 'policy-not-on-branch', tagRef(honest));
  assertFinding(w, 'source-not-allowed', tagRef(honest));
});

test('9. damaged records (garbage message, lightweight tag, tag of a blob) are reported and the rest is still checked', () => {
  const dir = payRepo();
  toolTrail(dir);
  const garbage = 'atmos/deployments/pay/prod/api/2030-01-01T00-00-00Z';
  git(dir, [
    'tag',
    '-a',
    garbage,
    '-m',
    'atmos.tools/v1alpha1\nkind: Deployment\n---\n: [unclosed',
    'HEAD',
  ]);
  const light = 'atmos/deployments/pay/prod/worker/2030-01-01T00-00-00Z';
  git(dir, ['tag', light, 'HEAD']);
  const blob = git(dir, ['hash-object', '-w', '--stdin'], undefined, 'not a commit\n').trim();
  const ofBlob = 'atmos/deployments/pay/staging/api/2030-01-01T00-00-00Z';
  git(dir, ['tag', '-a', ofBlob, '-m', 'whatever', blob]);
  const x = looseCommit(dir);
  git(dir, ['update-ref', depRef('dev', 'worker'), x]);
  // A notes ref pushed at a blob: skipped, never a failed read.
  git(dir, ['update-ref', 'refs/notes/atmos/other/approvals', blob]);
  // A component no record ever named.
  git(dir, ['update-ref', depRef('dev', 'cache'), x]);
  const v = verify(dir);
  assertFinding(v, 'tag-unreadable', tagRef(garbage));
  assertFinding(v, 'tag-unreadable', tagRef(light));
  assertFinding(v, 'tag-unreadable', tagRef(ofBlob));
  assertFinding(v, 'ref-unbacked', depRef('dev', 'worker'));
  assert.match(
    assertFinding(v, 'ref-unbacked', depRef('dev', 'cache')).message,
    /no deployment record backs it/,
  );
  assert.equal(v.checked.records, 6, 'the tool records are all still read');
  assert.equal(v.checked.tags, 9);
});
