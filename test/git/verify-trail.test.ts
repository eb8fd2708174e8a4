/**
 * `verify` on honest trails: what the tool writes is clean, in a working clone and in a bare
 * repository; the output formats parse; `--since` narrows the report but not the history; the
 * number of git processes does not grow with the number of records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cli, commit, git } from './helpers';
import {
  assertClean,
  assertFinding,
  depRef,
  handApproval,
  handRecord,
  headSha,
  payRepo,
  rollout,
  tagRef,
  tagsOf,
  toolTrail,
  verify,
} from './verify-helpers';

test('a trail written by the tool (dev → staging → prod with approval, twice) is clean', () => {
  const dir = payRepo();
  toolTrail(dir);
  commit(dir, 'second');
  toolTrail(dir);
  const v = verify(dir);
  assertClean(v);
  assert.equal(v.checked.records, 12);
  // Two rollouts to one target in the same second without approvals read as one; at least the
  // three targets' and the two prod rollouts' groups are there.
  assert.ok(v.checked.rollouts >= 4);
  const text = cli(dir, ['verify']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^verify: clean \(12 records in \d+ rollouts/m);
});

test('a rollback with its own fresh approval is clean', () => {
  const dir = payRepo();
  toolTrail(dir);
  const a = headSha(dir);
  commit(dir, 'second');
  toolTrail(dir);
  // What the single-use rollout service writes for a rollback: a new approval of the restored
  // plan, then tags carrying it, with rollback_of naming the restored record.
  const restored = tagsOf(dir, 'prod', 'api')[0];
  const at = '2030-01-01T00:00:00Z';
  handApproval(dir, a, {
    approved_by: 'carol@example.com',
    approved_at: at,
    target: 'prod',
    promoted_from: 'staging',
    components: { api: a },
  });
  handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: a,
    timestamp: '2030-01-01T00:01:00Z',
    promoted_from: 'staging',
    status: 'rolled_back',
    rollback_of: restored,
    metadata: { approver: 'carol@example.com', approval_timestamp: at },
    deployed_by: 'ci@example.com',
  });
  // The status index still describes prod/api before the hand-written rollback; the tool
  // would have rewritten it, so it is left out of this comparison.
  const v = verify(dir);
  assert.deepEqual(
    v.findings.filter((f) => f.code !== 'index-mismatch'),
    [],
  );
});

// The rollout service looks for an unspent approval (core/approval-use.ts), so a rollback with
// --approve records a fresh one and the trail stays clean.
test('a rollback by the tool with --approve is clean', () => {
  const dir = payRepo();
  toolTrail(dir);
  commit(dir, 'second');
  toolTrail(dir);
  const r = cli(dir, [
    'rollback',
    'pay',
    '--target',
    'prod',
    '--to',
    tagsOf(dir, 'prod', 'api')[0],
    '--approve',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assertClean(verify(dir));
});

test('verify works in a bare repository (no working tree)', () => {
  const dir = payRepo();
  toolTrail(dir);
  // A commit nobody rolled out, on the branch the bare repository will have as its HEAD.
  const x = commit(dir, 'unreviewed');
  const bare = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-bare-')), 'pay.git');
  git(dir, ['clone', '-q', '--bare', dir, bare]);
  // A clone brings tags but not refs/atmos or notes: mirror them as a server would hold them.
  git(dir, ['push', '-q', bare, 'refs/atmos/*:refs/atmos/*', 'refs/notes/*:refs/notes/*']);
  assertClean(verify(bare));
  git(bare, ['update-ref', depRef('staging', 'api'), x]);
  assertFinding(verify(bare), 'ref-unbacked', depRef('staging', 'api'));
});

test('--format json and sarif parse; text is one line per finding and a summary', () => {
  const dir = payRepo();
  toolTrail(dir);
  const name = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: headSha(dir),
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'dev',
  });
  const json = verify(dir);
  const f = assertFinding(json, 'source-not-allowed', tagRef(name));
  assert.deepEqual(
    { deployment: f.deployment, target: f.target, component: f.component },
    { deployment: 'pay', target: 'prod', component: 'api' },
  );
  const sarif = cli(dir, ['verify', '--format', 'sarif']);
  assert.equal(sarif.code, 1);
  const log = JSON.parse(sarif.stdout) as {
    version: string;
    runs: Array<{ results: Array<{ ruleId: string; message: { text: string } }> }>;
  };
  assert.equal(log.version, '2.1.0');
  assert.ok(log.runs[0].results.some((r) => r.ruleId === 'source-not-allowed'));
  const text = cli(dir, ['verify']);
  assert.equal(text.code, 1);
  const lines = text.stdout.trim().split('\n');
  assert.ok(lines.includes(`${tagRef(name)}: ${f.code} ${f.message}`));
  assert.match(lines[lines.length - 1], /^verify: \d+ findings? \(/);
});

test('--since reports only newer records but still reads older ones as history', () => {
  const dir = payRepo();
  toolTrail(dir);
  const e = commit(dir, 'E');
  const old = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: e,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'dev',
  });
  // E reaches staging by an older record; the newer prod record relies on it.
  handRecord(dir, {
    target: 'staging',
    component: 'worker',
    sha: e,
    timestamp: '2030-01-01T00:00:30Z',
    promoted_from: 'dev',
  });
  const recent = handRecord(dir, {
    target: 'prod',
    component: 'worker',
    sha: e,
    timestamp: '2030-02-01T00:00:00Z',
    promoted_from: 'staging',
  });
  const all = verify(dir);
  assertFinding(all, 'source-not-allowed', tagRef(old));
  const since = verify(dir, ['--since', '2030-01-15T00:00:00Z']);
  assert.ok(!since.findings.some((f) => f.ref === tagRef(old)), 'older records are not reported');
  assertFinding(since, 'approval-missing', tagRef(recent));
  assert.ok(
    !since.findings.some((f) => f.ref === tagRef(recent) && f.code === 'source-not-recorded'),
    'the older staging record still counts as history',
  );
  // A revision works too: its commit time is the limit.
  const byRev = cli(dir, ['verify', '--since', 'HEAD', '--format', 'json']);
  assert.equal(byRev.code, 1);
  const bad = cli(dir, ['verify', '--since', 'no-such-rev']);
  assert.equal(bad.code, 2);
});

test('the number of git processes does not grow with the number of records', () => {
  const dir = payRepo();
  toolTrail(dir);
  const few = verify(dir);
  assertClean(few);
  for (let i = 0; i < 4; i++) {
    commit(dir, `c${i}`);
    toolTrail(dir);
  }
  rollout(dir, ['--target', 'dev', '--component', 'api', '--redeploy']);
  const many = verify(dir);
  assertClean(many);
  assert.ok(many.checked.records > few.checked.records * 4);
  assert.equal(many.gitProcesses, few.gitProcesses);
  assert.ok(many.gitProcesses <= 8, `verify started ${many.gitProcesses} git processes`);
});
