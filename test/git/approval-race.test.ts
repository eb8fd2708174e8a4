// Approvals are notes appended to one notes ref; approvals recorded at the same moment (for
// different targets on the same commit, as a release manager approving several at once) must
// all survive: none may replace another. The five approvals are lined up at one point (the
// test-only `note-read` pause in `appendNote`, after each read the notes ref's tip and before any
// wrote on top of it). A plain `git notes append` reads and moves the ref inside one git process,
// past any pause of ours, so the test repository also gets a reference-transaction hook that
// holds the approvals ref's lock for a moment whenever `git notes` itself moves it: the other
// appends, which read the same tip, then fail or overwrite, on every run. Our append moves that
// ref with `update-ref` (its notes go to private scratch refs), which the hook leaves alone.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli, cliStart, fsckClean, git, makeRepo } from './helpers';

const FOUR_WAY = `deployment:
  name: fan
  components:
    terraform:
      api: {}
  targets:
    dev: {}
    eu:
      promotion: {from: dev, requires_approval: true}
    us:
      promotion: {from: dev, requires_approval: true}
    ap:
      promotion: {from: dev, requires_approval: true}
    sa:
      promotion: {from: dev, requires_approval: true}
    af:
      promotion: {from: dev, requires_approval: true}
`;

/** Holds the approvals ref's lock for 1.5 s when `git notes` (not `update-ref`) moves it. */
const HOLD_HOOK = `#!/bin/sh
refs=$(cat)
case "$1" in prepared) ;; *) exit 0 ;; esac
case "$refs" in *refs/notes/atmos/fan/approvals*) ;; *) exit 0 ;; esac
case "$(tr '\\000' ' ' < /proc/$PPID/cmdline 2>/dev/null)" in *" notes "*) sleep 1.5 ;; esac
exit 0
`;

function holdNotesLock(repo: string): void {
  const hooks = path.join(repo, '.git', 'race-hooks');
  mkdirSync(hooks, { recursive: true });
  const hook = path.join(hooks, 'reference-transaction');
  writeFileSync(hook, HOLD_HOOK);
  chmodSync(hook, 0o755);
  git(repo, ['config', 'core.hooksPath', hooks]);
}

describe('concurrent approvals', () => {
  it('five approvals written at once all end up in the note, one JSON line each', async () => {
    const repo = makeRepo({ 'fan.yaml': FOUR_WAY });
    assert.equal(cli(repo, ['rollout', 'fan', '--target', 'dev']).code, 0);
    holdNotesLock(repo);
    const targets = ['eu', 'us', 'ap', 'sa', 'af'];
    const release = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-release-')), 'go');
    const env = { ATMOS_TEST_PAUSE_AT: 'note-read', ATMOS_TEST_RELEASE_FILE: release };
    const runs = targets.map((t, i) =>
      cliStart(
        repo,
        [
          'approve',
          'fan',
          '--target',
          t,
          '--promote-from',
          'dev',
          '--approver',
          `a${i}@example.com`,
        ],
        env,
      ),
    );
    // Every approval has read the same tip of the notes ref before any of them writes.
    await Promise.all(runs.map((r) => r.paused));
    writeFileSync(release, '');
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const sha = git(repo, ['rev-parse', 'HEAD']).trim();
    const note = git(repo, ['notes', '--ref=atmos/fan/approvals', 'show', sha]);
    // One JSON object per line, with no blank line between them (design section 5).
    const lines = note
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => JSON.parse(l) as { target: string });
    assert.deepEqual(lines.map((l) => l.target).sort(), [...targets].sort());
    // No scratch refs are left behind, and the repository is sound.
    assert.equal(git(repo, ['for-each-ref', 'refs/notes/atmos-scratch']).trim(), '');
    assert.ok(fsckClean(repo));
  });

  // Notes appended by earlier versions (with `git notes append`) have a blank line between
  // approvals. They are still read, and a new approval goes on the next line without one.
  it('an approval appended to a note with blank lines: both read, no new blank line', () => {
    const repo = makeRepo({ 'fan.yaml': FOUR_WAY });
    assert.equal(cli(repo, ['rollout', 'fan', '--target', 'dev']).code, 0);
    assert.equal(cli(repo, ['approve', 'fan', '--target', 'eu', '--promote-from', 'dev']).code, 0);
    const sha = git(repo, ['rev-parse', 'HEAD']).trim();
    const ref = '--ref=atmos/fan/approvals';
    const first = git(repo, ['notes', ref, 'show', sha]).trim();
    // Rewrite the note the old way: the same approval, then a blank line and a second copy
    // of it for another target, as `git notes append` left them.
    const us = first.replace('"target":"eu"', '"target":"us"');
    git(repo, ['notes', ref, 'add', '-f', '-m', first, sha]);
    git(repo, ['notes', ref, 'append', '-m', us, sha]);
    assert.match(git(repo, ['notes', ref, 'show', sha]), /}\n\n{/);
    assert.equal(cli(repo, ['approve', 'fan', '--target', 'ap', '--promote-from', 'dev']).code, 0);
    const note = git(repo, ['notes', ref, 'show', sha]);
    assert.match(note, /"target":"us"[^\n]*}\n{[^\n]*"target":"ap"[^\n]*}\n$/);
    // The old approvals are still found: a rollout to us uses the one recorded for it.
    const r = cli(repo, ['rollout', 'fan', '--target', 'us', '--promote-from', 'dev']);
    assert.equal(r.code, 0, r.stderr);
  });

  // Through a shared remote the notes ref is one ref for every approver: approvals pushed at
  // the same moment lose the race to each other. An approval only adds a line, so the tool
  // fetches the winner's and pushes again, and none is lost or left failing.
  it('five clones approving at once through one remote: every approval lands, none fails', async () => {
    const source = makeRepo({ 'fan.yaml': FOUR_WAY });
    assert.equal(cli(source, ['rollout', 'fan', '--target', 'dev']).code, 0);
    const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, ['clone', '-q', '--bare', source, '.']);
    git(bare, ['fetch', '-q', source, '+refs/atmos/*:refs/atmos/*', '+refs/tags/*:refs/tags/*']);
    const targets = ['eu', 'us', 'ap', 'sa', 'af'];
    const clones = targets.map(() => {
      const c = mkdtempSync(path.join(tmpdir(), 'atmos-clone-'));
      git(c, ['clone', '-q', bare, '.']);
      return c;
    });
    const release = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-release-')), 'go');
    // Each approval stops after its checks (fetched, planned), before it writes or pushes.
    const env = { ATMOS_TEST_PAUSE_AT: 'checked', ATMOS_TEST_RELEASE_FILE: release };
    const runs = targets.map((t, i) =>
      cliStart(
        clones[i],
        ['approve', 'fan', '--target', t, '--promote-from', 'dev', '--remote', 'origin'],
        { ...env, GIT_COMMITTER_EMAIL: `a${i}@example.com` },
      ),
    );
    await Promise.all(runs.map((r) => r.paused));
    writeFileSync(release, '');
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
    const sha = git(source, ['rev-parse', 'HEAD']).trim();
    const note = git(bare, ['notes', '--ref=atmos/fan/approvals', 'show', sha]);
    const lines = note
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => JSON.parse(l) as { target: string });
    assert.deepEqual(lines.map((l) => l.target).sort(), [...targets].sort());
    assert.ok(fsckClean(bare));
  });
});
