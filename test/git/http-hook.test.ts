/**
 * The trust contract on a real git server (issue 14 item 7): a bare repository served over
 * smart HTTP by `git http-backend` on 127.0.0.1, with `atmos-deployments verify --pre-receive`
 * (the built CLI) installed as its pre-receive hook. The tool's own `--remote` rollouts are
 * accepted; every record an attacker with push access forges with plain git is refused with its
 * reason in the pusher's output, and the server's refs are unchanged afterwards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, ENV, cli, fsckClean, git, makeRepo } from './helpers';
import { startHttpRemote, type HttpRemote } from './http-remote';
import {
  NOTES,
  PAY,
  depRef,
  handApproval,
  handRecord,
  headSha,
  looseCommit,
  payRepo,
  tagRef,
} from './verify-helpers';

function push(dir: string, refspecs: string[]): { code: number | null; stderr: string } {
  const r = spawnSync('git', ['push', '--atomic', 'origin', ...refspecs], {
    cwd: dir,
    env: ENV,
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr };
}

describe('a git server over smart HTTP with verify --pre-receive as its hook', () => {
  let remote: HttpRemote;
  let dir: string;
  let sha: string;
  before(async () => {
    remote = await startHttpRemote({ source: payRepo() });
    remote.installPreReceive(
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} verify --pre-receive\n`,
    );
    dir = mkdtempSync(path.join(tmpdir(), 'atmos-http-clone-'));
    git(dir, ['clone', '-q', remote.url, '.']);
    sha = headSha(dir);
  });
  after(() => remote.stop());

  /** Pushes refspecs that must be refused: exit non-zero, the reason shown, nothing changed. */
  function refused(refspecs: string[], reason: RegExp): void {
    const before = remote.refs();
    const r = push(dir, refspecs);
    assert.notEqual(r.code, 0, 'the server accepted a forged record');
    assert.match(r.stderr, /pre-receive hook declined/);
    assert.match(r.stderr, reason);
    assert.equal(remote.refs(), before, "a refused push changed the server's refs");
  }

  it("the tool's rollouts with --remote are accepted, dev → staging → prod with approval", () => {
    for (const args of [
      ['--target', 'dev'],
      ['--target', 'staging', '--promote-from', 'dev'],
      ['--target', 'prod', '--promote-from', 'staging', '--approve'],
    ]) {
      const r = cli(dir, ['rollout', 'pay', ...args, '--remote', 'origin']);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.match(remote.refs(), new RegExp(`^${depRef('prod', 'api')} ${sha}$`, 'm'));
  });

  it('a source ref written with plain git is refused', () => {
    const x = looseCommit(dir, 'never ran in staging');
    refused([`${x}:${depRef('staging', 'api')}`], /remote: .*ref-unbacked/);
  });

  it('a prod record promoted from dev, skipping staging, is refused', () => {
    const x = looseCommit(dir, 'skips staging');
    const tag = handRecord(dir, {
      target: 'prod',
      component: 'api',
      sha: x,
      timestamp: '2031-01-01T00:00:00Z',
      promoted_from: 'dev',
    });
    refused(
      [`${tagRef(tag)}:${tagRef(tag)}`, `${depRef('prod', 'api')}:${depRef('prod', 'api')}`],
      /remote: .*source-not-allowed/,
    );
  });

  it('a prod record of a SHA that never ran in staging is refused', () => {
    const e = looseCommit(dir, 'E');
    const tag = handRecord(dir, {
      target: 'prod',
      component: 'worker',
      sha: e,
      timestamp: '2031-01-02T00:00:00Z',
      promoted_from: 'staging',
    });
    refused(
      [`${tagRef(tag)}:${tagRef(tag)}`, `${depRef('prod', 'worker')}:${depRef('prod', 'worker')}`],
      /remote: .*source-not-recorded/,
    );
  });

  it('a tag whose message names another SHA than its object is refused', () => {
    const e = looseCommit(dir, 'E2');
    const tag = handRecord(
      dir,
      {
        target: 'staging',
        component: 'api',
        sha: e,
        object: sha,
        timestamp: '2031-01-03T00:00:00Z',
        promoted_from: 'dev',
      },
      { moveRef: false },
    );
    refused([`${tagRef(tag)}:${tagRef(tag)}`], /remote: .*tag-mismatch/);
  });

  it('an approver typed into metadata, with no approval note, is refused', () => {
    const tag = handRecord(
      dir,
      {
        target: 'prod',
        component: 'api',
        sha,
        timestamp: '2031-01-04T00:00:00Z',
        promoted_from: 'staging',
        metadata: { approver: 'alice@example.com', approval_timestamp: '2031-01-04T00:00:00Z' },
      },
      { moveRef: false },
    );
    refused([`${tagRef(tag)}:${tagRef(tag)}`], /remote: .*approval-missing/);
  });

  it('an approval used again by a later record is refused', () => {
    // The approval prod's rollout above carried, read back from the server's note.
    git(dir, ['fetch', '-q', 'origin', `+${NOTES}:${NOTES}`]);
    const note = git(dir, ['notes', `--ref=${NOTES}`, 'show', sha])
      .trim()
      .split('\n')[0];
    const a = JSON.parse(note) as { approved_by: string; approved_at: string };
    const tag = handRecord(
      dir,
      {
        target: 'prod',
        component: 'api',
        sha,
        timestamp: '2031-01-05T00:00:00Z',
        promoted_from: 'staging',
        metadata: { approver: a.approved_by, approval_timestamp: a.approved_at },
      },
      { moveRef: false },
    );
    refused([`${tagRef(tag)}:${tagRef(tag)}`], /remote: .*approval-reused/);
  });

  it('a target name with a Cyrillic letter is refused', () => {
    const tag = handRecord(
      dir,
      { target: 'pr\u043ed', component: 'api', sha, timestamp: '2031-01-06T00:00:00Z' },
      { moveRef: false },
    );
    refused([`${tagRef(tag)}:${tagRef(tag)}`], /remote: .*(invalid-name|unknown-name)/);
  });

  it('a hand-written note with a matching approval cannot make a forged skip legitimate', () => {
    const x = looseCommit(dir, 'skips again');
    handApproval(dir, x, {
      approved_by: 'mallory@example.com',
      approved_at: '2031-01-07T00:00:00Z',
      target: 'prod',
      promoted_from: 'dev',
      components: { api: x },
    });
    const tag = handRecord(dir, {
      target: 'prod',
      component: 'api',
      sha: x,
      timestamp: '2031-01-07T00:00:00Z',
      promoted_from: 'dev',
      metadata: { approver: 'mallory@example.com', approval_timestamp: '2031-01-07T00:00:00Z' },
    });
    refused(
      [
        `${tagRef(tag)}:${tagRef(tag)}`,
        `${depRef('prod', 'api')}:${depRef('prod', 'api')}`,
        `${NOTES}:${NOTES}`,
      ],
      /remote: .*source-not-allowed/,
    );
  });

  it('deleting or moving a deployment record, or rewinding the approval notes, is refused', () => {
    const tag = git(dir, ['tag', '-l', 'atmos/deployments/pay/prod/api/*']).trim().split('\n')[0];
    assert.ok(tag, 'prod has a record to delete');
    refused([`:${tagRef(tag)}`], /remote: .*record-rewritten/);
    const other = git(dir, ['tag', '-l', 'atmos/deployments/pay/dev/api/*']).trim().split('\n')[0];
    refused([`+${tagRef(other)}:${tagRef(tag)}`], /remote: .*record-rewritten/);
    git(dir, ['fetch', '-q', 'origin', `+${NOTES}:${NOTES}`]);
    const empty = git(dir, [
      'commit-tree',
      '-m',
      'no approvals',
      '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
    ]).trim();
    refused([`+${empty}:${NOTES}`], /remote: .*record-rewritten/);
    refused([`:${NOTES}`], /remote: .*record-rewritten/);
  });

  it('after every refusal the server still verifies clean and passes git fsck', () => {
    const v = spawnSync(process.execPath, [CLI, 'verify', '--format', 'json'], {
      cwd: remote.bare,
      env: ENV,
      encoding: 'utf8',
    });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.ok(fsckClean(remote.bare));
  });
});

describe('the hook judges a pushed record by the rules in force now', () => {
  it('a rollout that follows an older commit of the policy branch (before prod needed approval) is refused', async (t) => {
    // The policy branch first let prod take staging's SHAs without approval, then required it.
    const source = makeRepo({ 'pay.yaml': PAY.replace('        requires_approval: true\n', '') });
    const lax = headSha(source);
    writeFileSync(path.join(source, 'deployments', 'pay.yaml'), PAY);
    git(source, ['commit', '-q', '-am', 'prod requires approval']);
    const remote = await startHttpRemote({ source });
    t.after(() => remote.stop());
    remote.installPreReceive(
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} verify --pre-receive\n`,
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'atmos-http-clone-'));
    git(dir, ['clone', '-q', remote.url, '.']);
    for (const args of [
      ['--target', 'dev'],
      ['--target', 'staging', '--promote-from', 'dev'],
    ])
      assert.equal(cli(dir, ['rollout', 'pay', ...args, '--remote', 'origin']).code, 0);
    // The old rules, checked out and named as the policy revision: the tool itself lets this
    // through (the working copy is that committed file), and the old commit is on the branch.
    git(dir, ['checkout', '-q', lax, '--', 'deployments/pay.yaml']);
    const before = remote.refs();
    const r = cli(dir, [
      'rollout',
      'pay',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--policy-rev',
      lax,
      '--remote',
      'origin',
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /policy-outdated/);
    assert.doesNotMatch(r.stderr, /someone else promoted first/);
    assert.equal(remote.refs(), before);
    assert.ok(fsckClean(remote.bare));
  });
});
