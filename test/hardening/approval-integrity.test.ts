// Approval integrity: no path records a promotion to a target that requires approval without
// an approval of exactly that plan. test/git/walkthrough.test.ts and test/cli already cover a
// missing approval without a TTY, a source that moved after the approval, another target,
// another deployment, a line that is not JSON and one whose SHAs are not full SHAs. This file
// adds forged lines that are well-formed but bound to something else (another SHA, another
// source, fewer components, a near-identical target name), malformed shapes, approvals in the
// wrong notes ref, and the same refusals through the language server; a positive control
// proves the forged setup would otherwise be accepted.
// Run: node esbuild.mjs && npx tsx --test test/hardening/approval-integrity.test.ts
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../lsp/harness';
import { cli, commit, fsckClean, git, head, makeRepo } from '../git/helpers';
import { isolateGitEnv, refSnapshot, waitForGit } from './git-fixtures';

isolateGitEnv();

const FILE = `deployment:
  name: payment-service
  components:
    terraform:
      api: {}
      worker: {}
      database: {}
  targets:
    dev: {}
    qa:
      promotion:
        from: dev
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        allowed_from: [staging, qa]
        requires_approval: true
`;

const NOTES = 'refs/notes/atmos/payment-service/approvals';
const PROD = ['rollout', 'payment-service', '--target', 'prod', '--promote-from', 'staging'];

describe('forged or mismatched approvals never count', () => {
  let dir: string;
  let sha: string;
  let other: string;
  let clean: string;

  /** A well-formed approval of prod from staging at `sha`, with `change` applied. */
  function line(change: Record<string, unknown> = {}): string {
    return JSON.stringify({
      approved_by: 'mallory@example.com',
      approved_at: '2025-01-22T12:30:00Z',
      approver_role: '',
      target: 'prod',
      deployment: 'payment-service',
      promoted_from: 'staging',
      components: { api: sha, worker: sha, database: sha },
      ...change,
    });
  }

  /** Replaces the approval notes with exactly `lines` on `on`, in `ref`. */
  function forge(lines: string[], on = sha, ref = NOTES) {
    for (const r of [NOTES, 'refs/notes/commits', 'refs/notes/atmos/inventory-service/approvals'])
      if (git(dir, ['for-each-ref', r]).trim()) git(dir, ['update-ref', '-d', r]);
    git(dir, ['notes', `--ref=${ref}`, 'add', '-f', '-m', lines.join('\n'), on]);
  }

  before(() => {
    dir = makeRepo({ 'payment-service.yaml': FILE });
    other = head(dir);
    sha = commit(dir, 'release');
    for (const args of [
      ['rollout', 'payment-service', '--target', 'dev'],
      ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev'],
      ['rollout', 'payment-service', '--target', 'qa', '--promote-from', 'dev'],
    ])
      assert.equal(cli(dir, args).code, 0);
    clean = git(dir, ['for-each-ref', 'refs/atmos/', 'refs/tags/']);
  });

  const refused: Array<[string, () => string[], (RegExp | undefined)?, string?]> = [
    [
      'approval for another SHA',
      () => [line({ components: { api: other, worker: sha, database: sha } })],
      /it approved api at [0-9a-f]{9}, not [0-9a-f]{9}/,
    ],
    [
      'approval for another source (qa, not staging)',
      () => [line({ promoted_from: 'qa' })],
      /it approves promotion from qa/,
    ],
    [
      'approval that covers fewer components',
      () => [line({ components: { api: sha, worker: sha } })],
      /it does not cover component database/,
    ],
    [
      'approval for a look-alike target',
      () => [line({ target: 'prod ' }), line({ target: 'Prod' }), line({ target: 'prod\u200B' })],
    ],
    [
      'approval for a direct commit, not a promotion',
      () => [line({ promoted_from: 'commit' })],
      /it approves promotion from commit/,
    ],
    [
      'malformed lines: array, missing approver, wrong types, trailing text',
      () => [
        JSON.stringify([JSON.parse(line())]),
        line({ approved_by: undefined }),
        line({ components: [sha, sha, sha] }),
        line({ target: ['prod'] }),
        `${line()} trailing`,
      ],
      /Ignored an invalid approval note/,
    ],
  ];

  for (const [name, lines, reason] of refused) {
    test(`${name}: exit 3 with the reason, nothing written`, () => {
      forge(lines());
      const before = refSnapshot(dir);
      const r = cli(dir, PROD);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, /requires approval, and no recorded approval matches this plan/);
      if (reason) assert.match(r.stdout + r.stderr, reason);
      assert.equal(refSnapshot(dir), before);
    });
  }

  test('the exact approval in another notes ref, or for another deployment ref, does not count', () => {
    for (const ref of ['refs/notes/commits', 'refs/notes/atmos/inventory-service/approvals']) {
      forge([line()], sha, ref);
      const before = refSnapshot(dir);
      const r = cli(dir, PROD);
      assert.equal(r.code, 3, `${ref}: ${r.stdout}${r.stderr}`);
      assert.equal(refSnapshot(dir), before);
    }
  });

  test('language server: applyRollout and rollback without a matching approval are refused', async () => {
    forge([line({ promoted_from: 'qa' }), line({ components: { api: other } })]);
    const before = refSnapshot(dir);
    const h = await Harness.startIn(dir);
    try {
      await waitForGit(h, 'payment-service');
      await assert.rejects(
        h.request('atmosDeployments/applyRollout', {
          deployment: 'payment-service',
          target: 'prod',
          promoteFrom: 'staging',
        }),
        (err: { code: number; message: string }) =>
          err.code === -32012 && /requires approval/.test(err.message),
      );
      const plan = await h.request<{ plan?: { approved: boolean; approvalProblem?: string } }>(
        'atmosDeployments/planRollout',
        { deployment: 'payment-service', target: 'prod', promoteFrom: 'staging' },
      );
      assert.equal(plan.plan?.approved, false);
      assert.match(plan.plan?.approvalProblem ?? '', /does not count/);
    } finally {
      await h.stop(true);
    }
    assert.equal(refSnapshot(dir), before);
  });

  test('positive control: the same forged setup with a matching line is accepted', () => {
    assert.equal(git(dir, ['for-each-ref', 'refs/atmos/', 'refs/tags/']), clean);
    forge([line({ promoted_from: 'qa' }), line()]);
    const r = cli(dir, PROD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      git(dir, ['rev-parse', 'refs/atmos/deployments/payment-service/prod/api']).trim(),
      sha,
    );
    assert.ok(fsckClean(dir));
  });

  test('rollback onto prod without a matching approval: exit 3, nothing written', () => {
    const stamp = git(dir, ['tag', '-l', 'atmos/deployments/payment-service/prod/api/*'])
      .trim()
      .split('/')
      .pop()!;
    // prod moves on to a newer release (approved), then a rollback to the first one is tried.
    // Approvals are single-use (design section 11): the first release's approval was spent by
    // its rollout, so the rollback needs a new one.
    const next = commit(dir, 'next');
    for (const t of ['dev', 'staging'])
      cli(dir, [
        'rollout',
        'payment-service',
        '--target',
        t,
        ...(t === 'dev' ? ['--git-sha', next] : ['--promote-from', 'dev']),
      ]);
    assert.equal(cli(dir, [...PROD, '--approve']).code, 0);
    const before = refSnapshot(dir);
    const r = cli(dir, ['rollback', 'payment-service', '--target', 'prod', '--to', stamp]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /requires approval/);
    assert.match(r.stderr, /was already used by the rollout of/);
    assert.equal(refSnapshot(dir), before);
    // With the approval notes gone, the record the rollback would return to can no longer show
    // that it was approved: it is refused outright, and nothing is written either.
    git(dir, ['update-ref', '-d', NOTES]);
    const gone = refSnapshot(dir);
    const r2 = cli(dir, ['rollback', 'payment-service', '--target', 'prod', '--to', stamp]);
    assert.equal(r2.code, 1, r2.stdout + r2.stderr);
    assert.match(r2.stderr, /did not follow the rules[\s\S]*approval-missing/);
    assert.equal(refSnapshot(dir), gone);
    assert.ok(fsckClean(dir));
  });
});
