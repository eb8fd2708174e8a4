// Approvals are notes appended to one notes ref; approvals recorded at the same moment (for
// different targets on the same commit, as a release manager approving several at once) must
// all survive: none may replace another.
import assert from 'node:assert/strict';
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

describe('concurrent approvals', () => {
  it('five approvals written at once all end up in the note, one JSON line each', async () => {
    const repo = makeRepo({ 'fan.yaml': FOUR_WAY });
    assert.equal(cli(repo, ['rollout', 'fan', '--target', 'dev']).code, 0);
    const targets = ['eu', 'us', 'ap', 'sa', 'af'];
    const runs = targets.map((t, i) =>
      cliStart(repo, [
        'approve',
        'fan',
        '--target',
        t,
        '--promote-from',
        'dev',
        '--approver',
        `a${i}@example.com`,
      ]),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const sha = git(repo, ['rev-parse', 'HEAD']).trim();
    const note = git(repo, ['notes', '--ref=atmos/fan/approvals', 'show', sha]);
    // git notes append separates paragraphs with a blank line; each approval is one line.
    const lines = note
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { target: string });
    assert.deepEqual(lines.map((l) => l.target).sort(), [...targets].sort());
    // No scratch refs are left behind, and the repository is sound.
    assert.equal(git(repo, ['for-each-ref', 'refs/notes/atmos-scratch']).trim(), '');
    assert.ok(fsckClean(repo));
  });
});
