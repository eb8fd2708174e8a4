/**
 * The spec's walk-through end to end with the built CLI on a real repository, and every record
 * read back with plain git: ref names, tag names, tag messages, approval notes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  atmosRefs,
  cli,
  commit,
  fsckClean,
  git,
  head,
  INVENTORY,
  makeRepo,
  PAYMENT_SERVICE,
  tags,
} from './helpers';

const COMPONENTS = ['api', 'worker', 'database'];
const TAG_RE =
  /^atmos\/deployments\/payment-service\/(dev|staging|prod)\/(api|worker|database)\/(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(-\d+)?$/;

describe('spec walk-through: dev, staging from dev, prod from staging with approval', () => {
  const dir = makeRepo({ 'payment-service.yaml': PAYMENT_SERVICE, 'inventory.yaml': INVENTORY });
  const sha = head(dir);

  it('rolls HEAD out to the entry point dev and records one ref and one tag per component', () => {
    const r = cli(dir, ['rollout', 'payment-service', '--target', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /→ Validating promotion path: commit → dev ✓/);
    assert.deepEqual(atmosRefs(dir), {
      'refs/atmos/deployments/payment-service/dev/api': sha,
      'refs/atmos/deployments/payment-service/dev/database': sha,
      'refs/atmos/deployments/payment-service/dev/worker': sha,
    });
    const devTags = tags(dir, 'atmos/deployments/payment-service/dev/*');
    assert.equal(devTags.length, 3);
    for (const t of devTags) assert.match(t, TAG_RE);
  });

  it('promotes staging from dev with the same SHAs', () => {
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'staging',
      '--promote-from',
      'dev',
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const c of COMPONENTS)
      assert.equal(
        git(dir, [
          'show-ref',
          '--hash',
          `refs/atmos/deployments/payment-service/staging/${c}`,
        ]).trim(),
        sha,
      );
  });

  it('refuses dev → prod with the spec message, exit 1, nothing written', () => {
    const before = atmosRefs(dir);
    const r = cli(dir, ['rollout', 'payment-service', '--target', 'prod', '--promote-from', 'dev']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'error: Cannot promote directly from dev to prod. Must promote from staging.',
    );
    assert.deepEqual(atmosRefs(dir), before);
  });

  it('refuses a plain commit onto prod, naming the rule', () => {
    const r = cli(dir, ['rollout', 'payment-service', '--target', 'prod', '--git-sha', sha]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Cannot deploy a commit directly to prod: it only accepts promotions from staging\. Use --promote-from staging\./,
    );
  });

  it('refuses cross-deployment promotion with the spec message', () => {
    const r = cli(dir, [
      'rollout',
      'inventory-service',
      '--target',
      'prod',
      '--promote-from',
      'payment-service/prod',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'error: Cannot promote across deployments. Use same-deployment promotion only.',
    );
  });

  it('without a TTY, prod needs a recorded approval: exit 3 with the command to run, nothing written', () => {
    const before = atmosRefs(dir);
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /\n {2}atmos-deployments approve payment-service --target prod --promote-from staging\n/,
    );
    assert.deepEqual(atmosRefs(dir), before);
    assert.equal(tags(dir, 'atmos/deployments/payment-service/prod/*').length, 0);
  });

  it('approve writes one JSON line under refs/notes/atmos/<d>/approvals on the promoted commit', () => {
    const r = cli(dir, [
      'approve',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--role',
      'ops-lead',
      '--approver',
      'alice@example.com',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const note = git(dir, ['notes', '--ref=atmos/payment-service/approvals', 'show', sha]).trim();
    const lines = note.split('\n').filter(Boolean);
    assert.equal(lines.length, 1);
    const a = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(a), [
      'approved_by',
      'approved_at',
      'approver_role',
      'target',
      'deployment',
      'promoted_from',
      'components',
      'recorded_by',
    ]);
    assert.equal(a.approved_by, 'alice@example.com');
    // CI recorded it on alice's behalf (--approver), and the note says so (design section 11).
    assert.equal(a.recorded_by, 'ci@example.com');
    assert.equal(a.approver_role, 'ops-lead');
    assert.equal(a.target, 'prod');
    assert.equal(a.deployment, 'payment-service');
    assert.equal(a.promoted_from, 'staging');
    assert.deepEqual(a.components, { api: sha, worker: sha, database: sha });
    assert.match(a.approved_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('rolls out to prod with the approval and writes the spec tag message exactly', () => {
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--build-id',
      'abc123',
      '--metadata',
      'pr=#482',
      '--metadata',
      'jira=PROJ-123',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /→ Approval received from: alice@example\.com/);
    const [tag] = tags(dir, 'atmos/deployments/payment-service/prod/api/*');
    const m = TAG_RE.exec(tag)!;
    const iso = m[3].replace(/T(\d{2})-(\d{2})-(\d{2})Z/, 'T$1:$2:$3Z');
    const approvedAt = JSON.parse(
      git(dir, ['notes', '--ref=atmos/payment-service/approvals', 'show', sha]).trim(),
    ).approved_at;
    const body = git(dir, ['cat-file', '-p', tag]);
    assert.ok(
      body.startsWith(`object ${sha}\ntype commit\ntag ${tag}\ntagger CI <ci@example.com> `),
      body,
    );
    assert.equal(
      body.slice(body.indexOf('\n\n') + 2),
      [
        'atmos.tools/v1alpha1',
        'kind: Deployment',
        '---',
        'deployment: payment-service',
        'target: prod',
        'component: api',
        'deployed_by: ci@example.com',
        'build_id: abc123',
        `git_sha: ${sha}`,
        `timestamp: ${iso}`,
        'status: success',
        'promoted_from: staging',
        `promoted_at: ${iso}`,
        'metadata:',
        '  pr: "#482"',
        '  jira: PROJ-123',
        '  approver: alice@example.com',
        `  approval_timestamp: ${approvedAt}`,
        // The commit the rules were read from: HEAD, which holds the deployment file.
        `policy_sha: ${git(dir, ['rev-parse', 'HEAD']).trim()}`,
        '',
      ].join('\n'),
    );
    // The spec's own history query works on these tags.
    const promoted = git(dir, [
      'for-each-ref',
      '--sort=-creatordate',
      '--format=%(contents)',
      'refs/tags/atmos/deployments/payment-service/prod/',
    ]);
    assert.match(promoted, /promoted_from: staging/);
    assert.ok(fsckClean(dir));
  });

  it('a plan that changes nothing writes nothing and says so; --redeploy records again', () => {
    const before = tags(dir).length;
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'staging',
      '--promote-from',
      'dev',
    ]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Nothing to do: payment-service\/staging already runs/);
    assert.equal(tags(dir).length, before);
    const again = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'staging',
      '--promote-from',
      'dev',
      '--redeploy',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(tags(dir).length, before + 3);
  });

  it('promotion-status prints the spec layout and JSON', () => {
    const c2 = commit(dir);
    assert.equal(
      cli(dir, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', c2]).code,
      0,
    );
    const r = cli(dir, ['promotion-status', 'payment-service']);
    assert.equal(r.code, 0, r.stderr);
    const short = c2.slice(0, 9);
    assert.equal(
      r.stdout.trim(),
      [
        'payment-service promotion status:',
        '',
        'dev → staging (ready)',
        `  api: ${short} (deployed just now)`,
        `  worker: ${short} (deployed just now)`,
        `  database: ${short} (deployed just now)`,
        '',
        'staging → prod (up to date)',
        `  api: ${sha.slice(0, 9)} (deployed just now)`,
        `  worker: ${sha.slice(0, 9)} (deployed just now)`,
        `  database: ${sha.slice(0, 9)} (deployed just now)`,
      ].join('\n'),
    );
    const json = JSON.parse(
      cli(dir, ['promotion-status', 'payment-service', '--format', 'json']).stdout,
    );
    assert.deepEqual(
      json.edges.map((e: { label: string }) => e.label),
      ['ready', 'up to date'],
    );
    assert.equal(json.edges[0].components[0].sha, c2);
  });

  it('history lists rollouts newest first, filtered, as text and JSON', () => {
    const r = cli(dir, [
      'history',
      'payment-service',
      '--target',
      'prod',
      '--component',
      'api',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { entries } = JSON.parse(r.stdout);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].promotedFrom, 'staging');
    assert.equal(entries[0].approver, 'alice@example.com');
    const all = JSON.parse(
      cli(dir, ['history', 'payment-service', '--format', 'json']).stdout,
    ).entries;
    const stamps = all.map((e: { tag: string }) => e.tag.split('/').pop());
    assert.deepEqual([...stamps].sort().reverse(), stamps);
    // Rollouts within one second share a timestamp; across seconds the order is strict.
    assert.equal(all.length, 15);
    const text = cli(dir, ['history', 'payment-service', '--target', 'prod']);
    assert.match(
      text.stdout,
      /prod\/api {2}[0-9a-f]{9} {2}success {2}from staging {2}by ci@example\.com {2}approved by alice@example\.com/,
    );
  });
});

describe('approvals are bound to deployment, target, source and SHAs', () => {
  it('an approval stops counting when the source moves, or names another target', () => {
    const dir = makeRepo();
    const a = head(dir);
    assert.equal(cli(dir, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
    assert.equal(
      cli(dir, ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    assert.equal(
      cli(dir, ['approve', 'payment-service', '--target', 'prod', '--promote-from', 'staging'])
        .code,
      0,
    );
    // staging moves on after the approval: the approval was for the old SHAs.
    const b = commit(dir);
    assert.equal(
      cli(dir, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', b]).code,
      0,
    );
    assert.equal(
      cli(dir, ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    // An approval of the new SHAs, but for staging, does not count for prod either.
    assert.equal(
      cli(dir, ['approve', 'payment-service', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(
      atmosRefs(dir, 'refs/atmos/deployments/payment-service/prod/').constructor,
      Object,
    );
    assert.deepEqual(atmosRefs(dir, 'refs/atmos/deployments/payment-service/prod/'), {});
    assert.notEqual(a, b);
  });

  it('invalid or tampered note lines are ignored with a warning and never counted', () => {
    const dir = makeRepo();
    const sha = head(dir);
    cli(dir, ['rollout', 'payment-service', '--target', 'dev']);
    cli(dir, ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev']);
    const ref = 'refs/notes/atmos/payment-service/approvals';
    git(dir, ['notes', `--ref=${ref}`, 'add', '-m', 'not json at all', sha]);
    // Right target and source, but the SHAs are not full SHAs: a tampered line.
    const tampered = JSON.stringify({
      approved_by: 'mallory',
      approved_at: '2025-01-22T12:30:00Z',
      approver_role: '',
      target: 'prod',
      deployment: 'payment-service',
      promoted_from: 'staging',
      components: { api: 'HEAD', worker: 'HEAD', database: 'HEAD' },
    });
    git(dir, ['notes', `--ref=${ref}`, 'append', '-m', tampered, sha]);
    // A well-formed approval for another deployment.
    const other = JSON.stringify({
      approved_by: 'bob',
      approved_at: '2025-01-22T12:30:00Z',
      approver_role: '',
      target: 'prod',
      deployment: 'inventory-service',
      promoted_from: 'staging',
      components: { api: sha, worker: sha, database: sha },
    });
    git(dir, ['notes', `--ref=${ref}`, 'append', '-m', other, sha]);
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
    ]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /! Ignored an invalid approval note on [0-9a-f]{9} \(line 1\): not valid JSON\./,
    );
    assert.match(
      r.stdout,
      /! Ignored an invalid approval note .*'components' holds something other than full SHAs/,
    );
    // --approve records a new line; the old ones stay.
    const ok = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const note = git(dir, ['notes', `--ref=${ref}`, 'show', sha]);
    assert.match(note, /^not json at all\n/);
    assert.equal(note.split('\n').filter((l) => l.startsWith('{')).length, 3);
    assert.ok(fsckClean(dir));
  });
});
