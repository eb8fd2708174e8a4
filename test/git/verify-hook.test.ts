/**
 * `verify --pre-receive` as git's server hook: first fed `<old> <new> <ref>` lines by hand in a
 * bare repository that holds the objects, then installed as `hooks/pre-receive` of a bare
 * remote that a clone pushes to with plain git. A forged record is refused with its reasons
 * shown to the pusher (`remote: ...`) and the remote's refs stay as they were; the tool's own
 * rollouts and ordinary branches go through.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CLI, ENV, atmosRefs, cli, commit, fsckClean, git } from './helpers';
import { depRef, handRecord, handTagName, headSha, payRepo, tagRef } from './verify-helpers';

const ZERO = '0'.repeat(40);

function bareRemote(): string {
  const bare = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-remote-')), 'pay.git');
  git(path.dirname(bare), ['init', '-q', '--bare', '-b', 'main', bare]);
  return bare;
}

function installHook(bare: string): void {
  const hook = path.join(bare, 'hooks', 'pre-receive');
  writeFileSync(
    hook,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} verify --pre-receive\n`,
  );
  chmodSync(hook, 0o755);
}

/** A clone of a fresh bare remote holding the pay deployment on main. */
function remoteAndClone(): { bare: string; dir: string } {
  const bare = bareRemote();
  const dir = payRepo();
  git(dir, ['remote', 'add', 'origin', bare]);
  git(dir, ['push', '-q', 'origin', 'main']);
  return { bare, dir };
}

function preReceive(cwd: string, lines: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'verify', '--pre-receive'], {
    cwd,
    env: ENV,
    encoding: 'utf8',
    input: lines.map((l) => `${l}\n`).join(''),
  });
  return { code: r.status, stderr: r.stderr };
}

function push(dir: string, refspecs: string[]): { code: number | null; stderr: string } {
  const r = spawnSync('git', ['push', 'origin', ...refspecs], {
    cwd: dir,
    env: ENV,
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr };
}

test('--pre-receive fed push lines: a forged record is refused, honest ones and branches pass', () => {
  const { bare, dir } = remoteAndClone();
  for (const args of [
    ['--target', 'dev'],
    ['--target', 'staging', '--promote-from', 'dev'],
  ]) {
    const r = cli(dir, ['rollout', 'pay', ...args, '--remote', 'origin']);
    assert.equal(r.code, 0, r.stderr);
  }
  const sha = headSha(dir);
  const forged = handRecord(
    dir,
    {
      target: 'prod',
      component: 'api',
      sha,
      timestamp: '2030-01-01T00:00:00Z',
      promoted_from: 'dev',
    },
    { moveRef: false },
  );
  const tagSha = git(dir, ['rev-parse', tagRef(forged)]).trim();
  // The objects reach the bare repository under a scratch ref, as git's quarantine would hold them.
  git(dir, ['push', '-q', 'origin', `${tagRef(forged)}:refs/scratch/forged`]);
  const refused = preReceive(bare, [`${ZERO} ${tagSha} ${tagRef(forged)}`]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`${tagRef(forged)}: source-not-allowed`));
  assert.match(refused.stderr, /push rejected/);
  // A branch push adds no record and is allowed without reading anything.
  const branch = preReceive(bare, [`${ZERO} ${sha} refs/heads/feature`]);
  assert.equal(branch.code, 0, branch.stderr);
  // A finding already on the server (a ref moved there with plain git) is not this push's
  // doing: a push of honest records is judged on what it adds.
  const x = commit(dir, 'unrecorded');
  git(dir, ['push', '-q', 'origin', 'main']);
  git(bare, ['update-ref', depRef('dev', 'worker'), x]);
  assert.equal(cli(bare, ['verify']).code, 1, 'the whole trail has a finding');
  // The records already there, pushed again as they are, hold up.
  const honest = atmosRefs(bare, 'refs/tags/atmos/deployments/pay/staging/');
  const lines = Object.entries(honest).map(([ref, s]) => `${ZERO} ${s} ${ref}`);
  assert.ok(lines.length > 0);
  const ok = preReceive(bare, lines);
  assert.equal(ok.code, 0, ok.stderr);
});

test('as a real pre-receive hook: a forged record is rejected with its reasons, the remote is unchanged', () => {
  const { bare, dir } = remoteAndClone();
  installHook(bare);
  for (const args of [
    ['--target', 'dev'],
    ['--target', 'staging', '--promote-from', 'dev'],
    ['--target', 'prod', '--promote-from', 'staging', '--approve'],
  ]) {
    const r = cli(dir, ['rollout', 'pay', ...args, '--remote', 'origin']);
    assert.equal(r.code, 0, `the hook refused a tool rollout: ${r.stderr}`);
  }
  const before = atmosRefs(bare, 'refs/');
  // A commit nobody reviewed, pushed straight to prod with a record typed in by hand.
  const x = commit(dir, 'unreviewed');
  const forged = handRecord(dir, {
    target: 'prod',
    component: 'api',
    sha: x,
    timestamp: '2030-01-01T00:00:00Z',
    promoted_from: 'staging',
    metadata: { approver: 'alice@example.com', approval_timestamp: '2030-01-01T00:00:00Z' },
  });
  const r = push(dir, [tagRef(forged), depRef('prod', 'api')]);
  assert.notEqual(r.code, 0, 'the push must be refused');
  assert.match(r.stderr, new RegExp(`remote: ${tagRef(forged)}: source-not-recorded`));
  assert.match(r.stderr, new RegExp(`remote: ${tagRef(forged)}: approval-missing`));
  assert.match(r.stderr, /pre-receive hook declined/);
  assert.deepEqual(atmosRefs(bare, 'refs/'), before, "the remote's refs are unchanged");
  // A ref moved with plain git, no record at all.
  const unbacked = push(dir, [`+${x}:${depRef('staging', 'worker')}`]);
  assert.notEqual(unbacked.code, 0);
  assert.match(unbacked.stderr, new RegExp(`remote: ${depRef('staging', 'worker')}: ref-unbacked`));
  assert.deepEqual(atmosRefs(bare, 'refs/'), before);
  // Branches still go through, and the tool's next rollout too.
  git(dir, ['push', '-q', 'origin', 'main']);
  git(dir, ['tag', '-d', forged]);
  git(dir, ['update-ref', depRef('prod', 'api'), before[depRef('prod', 'api')]]);
  const next = cli(dir, ['rollout', 'pay', '--target', 'dev', '--remote', 'origin']);
  assert.equal(next.code, 0, next.stderr);
  assert.ok(fsckClean(bare), 'git fsck is clean on the remote');
});

test('as a real pre-receive hook: a record back-dated into history is rejected', () => {
  const { bare, dir } = remoteAndClone();
  installHook(bare);
  const r = cli(dir, ['rollout', 'pay', '--target', 'dev', '--remote', 'origin']);
  assert.equal(r.code, 0, r.stderr);
  const before = atmosRefs(bare, 'refs/');
  // dev takes anything, so the record is fine in itself; only its date gives it away.
  const old = {
    target: 'dev',
    component: 'api',
    sha: headSha(dir),
    timestamp: '2020-01-01T00:00:00Z',
  };
  handRecord(dir, old, { moveRef: false });
  const p = push(dir, [tagRef(handTagName(old))]);
  assert.notEqual(p.code, 0);
  assert.match(p.stderr, new RegExp(`remote: ${tagRef(handTagName(old))}: record-backdated`));
  assert.deepEqual(atmosRefs(bare, 'refs/'), before);
  assert.ok(fsckClean(bare));
});

test('verify --remote fetches every record from the remote first', () => {
  const { bare, dir } = remoteAndClone();
  const r = cli(dir, ['rollout', 'pay', '--target', 'dev', '--remote', 'origin']);
  assert.equal(r.code, 0, r.stderr);
  const other = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-clone-')), 'pay');
  git(path.dirname(other), ['clone', '-q', '--no-tags', bare, other]);
  const local = cli(other, ['verify', '--format', 'json']);
  assert.equal((JSON.parse(local.stdout) as { checked: { records: number } }).checked.records, 0);
  const remote = cli(other, ['verify', '--remote', 'origin', '--format', 'json']);
  assert.equal(remote.code, 0, remote.stderr);
  assert.equal((JSON.parse(remote.stdout) as { checked: { records: number } }).checked.records, 2);
});
