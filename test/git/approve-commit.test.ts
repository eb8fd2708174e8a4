/**
 * An entry point that requires approval can be approved by someone else (issue 16, class 7):
 * the `approve` command a commit rollout prints on exit 3 runs as printed, and the rollout then
 * uses that approval. A real target named `commit` never collides with the placeholder a commit
 * rollout's approval carries, and approvals written by earlier versions still count.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli, commit, git, makeRepo } from './helpers';

const D = 'shop';
const GATED_ENTRY = `deployment:
  name: shop
  components:
    terraform:
      api: {}
  targets:
    dev:
      promotion:
        requires_approval: true
`;

/** `commit` is a real target; prod is first an entry point, then promoted from `commit`. */
const WITH_COMMIT_TARGET = (prodRules: string) => `deployment:
  name: shop
  components:
    terraform:
      api: {}
  targets:
    commit: {}
    prod:
      promotion:
${prodRules}        requires_approval: true
`;

const OTHER = { GIT_COMMITTER_EMAIL: 'ops@example.com', GIT_AUTHOR_EMAIL: 'ops@example.com' };

function printedApprove(stderr: string): string[] {
  const line = stderr.split('\n').find((l) => l.trim().startsWith('atmos-deployments approve'));
  assert.ok(line, stderr);
  return line.trim().split(/\s+/).slice(1);
}

function rewrite(dir: string, text: string): void {
  writeFileSync(path.join(dir, 'deployments', 'shop.yaml'), text);
  git(dir, ['commit', '-q', '-am', 'rules']);
}

describe('approve a commit rollout', () => {
  it('runs the approve command printed on exit 3, as another person, and the rollout then passes', () => {
    const dir = makeRepo({ 'shop.yaml': GATED_ENTRY });
    const sha = commit(dir);
    const first = cli(dir, ['rollout', D, '--target', 'dev', '--git-sha', sha]);
    assert.equal(first.code, 3, first.stderr);
    const args = printedApprove(first.stderr);
    assert.deepEqual(args, ['approve', D, '--target', 'dev', '--git-sha', sha]);
    const approved = cli(dir, args, OTHER);
    assert.equal(approved.code, 0, approved.stderr);
    const note = git(dir, ['notes', '--ref', `atmos/${D}/approvals`, 'show', sha]);
    const line = JSON.parse(note.trim()) as { promoted_from: string; approved_by: string };
    assert.equal(line.promoted_from, ':commit');
    assert.equal(line.approved_by, 'ops@example.com');
    const second = cli(dir, ['rollout', D, '--target', 'dev', '--git-sha', sha]);
    assert.equal(second.code, 0, second.stderr);
  });

  it('asks for exactly one of --promote-from and --git-sha', () => {
    const dir = makeRepo({ 'shop.yaml': GATED_ENTRY });
    const neither = cli(dir, ['approve', D, '--target', 'dev']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /--promote-from <source>.*or --git-sha <commit>/);
    const both = cli(dir, [
      'approve',
      D,
      '--target',
      'dev',
      '--git-sha',
      'HEAD',
      '--promote-from',
      'x',
    ]);
    assert.equal(both.code, 2);
  });

  it('still counts an approval an earlier version wrote with promoted_from "commit"', () => {
    const dir = makeRepo({ 'shop.yaml': GATED_ENTRY });
    const sha = commit(dir);
    const legacy = JSON.stringify({
      approved_by: 'ops@example.com',
      approved_at: '2025-01-22T12:00:00Z',
      approver_role: '',
      target: 'dev',
      deployment: D,
      promoted_from: 'commit',
      components: { api: sha },
    });
    git(dir, ['notes', '--ref', `atmos/${D}/approvals`, 'add', '-m', legacy, sha]);
    const r = cli(dir, ['rollout', D, '--target', 'dev', '--git-sha', sha]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('never counts a promotion from a target named commit as a commit rollout', () => {
    const dir = makeRepo({ 'shop.yaml': WITH_COMMIT_TARGET('        from: commit\n') });
    const sha = commit(dir);
    assert.equal(cli(dir, ['rollout', D, '--target', 'commit', '--git-sha', sha]).code, 0);
    const ok = cli(dir, ['approve', D, '--target', 'prod', '--promote-from', 'commit'], OTHER);
    assert.equal(ok.code, 0, ok.stderr);
    // The rules change: prod becomes an entry point that requires approval. The approval of
    // `commit → prod` must not let the same SHA go onto prod as a commit rollout.
    rewrite(dir, WITH_COMMIT_TARGET(''));
    const r = cli(dir, ['rollout', D, '--target', 'prod', '--git-sha', sha]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /it approves promotion from commit/);
  });

  it('never counts a commit rollout approval as a promotion from a target named commit', () => {
    const dir = makeRepo({ 'shop.yaml': WITH_COMMIT_TARGET('') });
    const sha = commit(dir);
    assert.equal(cli(dir, ['rollout', D, '--target', 'commit', '--git-sha', sha]).code, 0);
    const ok = cli(dir, ['approve', D, '--target', 'prod', '--git-sha', sha], OTHER);
    assert.equal(ok.code, 0, ok.stderr);
    rewrite(dir, WITH_COMMIT_TARGET('        from: commit\n'));
    const r = cli(dir, ['rollout', D, '--target', 'prod', '--promote-from', 'commit']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /it approves a commit rolled out directly/);
  });
});
