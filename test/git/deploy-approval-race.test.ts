// A rollout that approves its own plan (`--approve`) and then runs deploy steps must not lose
// its records to another approver who pushes to the same notes ref while it deploys: after the
// deploy steps a lost push cannot be retried (the steps would run twice), and the environment
// must never change without a record. The approval is therefore pushed on its own before the
// deploy steps. Here the deploy step itself has another clone push an approval, so the notes
// ref on the remote moves while the rollout deploys, on every run.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { atmosRefs, CLI, cli, fsckClean, git, head, makeRepo, tags } from './helpers';

const FILE = `deployment:
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
`;

describe('an approval given by the rollout, and another approver pushing during its deploy', () => {
  it('the rollout records and pushes everything, and both approvals are on the remote', () => {
    const source = makeRepo({ 'fan.yaml': FILE });
    const sha = head(source);
    assert.equal(cli(source, ['rollout', 'fan', '--target', 'dev']).code, 0);
    const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, ['clone', '-q', '--bare', source, '.']);
    git(bare, ['fetch', '-q', source, '+refs/atmos/*:refs/atmos/*', '+refs/tags/*:refs/tags/*']);
    const a = mkdtempSync(path.join(tmpdir(), 'atmos-a-'));
    const b = mkdtempSync(path.join(tmpdir(), 'atmos-b-'));
    git(a, ['clone', '-q', bare, '.']);
    git(b, ['clone', '-q', bare, '.']);

    // The deploy step of eu: Bea approves us from her clone and pushes it, then the step ends.
    const deploy = `cd '${b}' && GIT_COMMITTER_NAME=Bea GIT_COMMITTER_EMAIL=bea@example.com '${process.execPath}' '${CLI}' approve fan --target us --promote-from dev --remote origin >&2`;
    const r = cli(a, [
      'rollout',
      'fan',
      '--target',
      'eu',
      '--promote-from',
      'dev',
      '--approve',
      '--exec',
      deploy,
      '--remote',
      'origin',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /Recorded approval by bea@example\.com for fan dev → us/);

    // The rollout's records reached the remote.
    assert.equal(atmosRefs(bare)['refs/atmos/deployments/fan/eu/api'], sha);
    assert.equal(tags(bare, 'atmos/deployments/fan/eu/*').length, 1);
    // Both approvals are there: the rollout's own (eu) and Bea's (us), one line each.
    const note = git(bare, ['notes', '--ref=atmos/fan/approvals', 'show', sha]);
    const targets = note
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { target: string }).target)
      .sort();
    assert.deepEqual(targets, ['eu', 'us']);
    // And the trail verifies from a fresh clone.
    const fresh = mkdtempSync(path.join(tmpdir(), 'atmos-fresh-'));
    git(fresh, ['clone', '-q', bare, '.']);
    const v = cli(fresh, ['verify', 'fan', '--remote', 'origin']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.ok(fsckClean(bare));
    assert.ok(fsckClean(a));
  });
});
