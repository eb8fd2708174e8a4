/**
 * Attempts to reach prod around its rules, as a user with push access, plain git and our own
 * CLI would make them (issue 14, design section 11). Every attempt must be refused with a
 * message that names what is wrong, and must write nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  atmosRefs,
  cli,
  commit,
  fsckClean,
  git,
  head,
  makeRepo,
  PAYMENT_SERVICE,
  tags,
} from './helpers';

const D = 'payment-service';
const FILE = path.join('deployments', 'payment-service.yaml');
const OPEN_PROD = PAYMENT_SERVICE.replace(
  [
    '    prod:',
    '      promotion:',
    '        from: staging',
    '        requires_approval: true',
    '',
  ].join('\n'),
  '    prod: {}\n',
);

/** dev and staging run HEAD, recorded by the tool. */
function promoted(): { dir: string; sha: string } {
  const dir = makeRepo();
  const sha = head(dir);
  assert.equal(cli(dir, ['rollout', D, '--target', 'dev']).code, 0);
  assert.equal(cli(dir, ['rollout', D, '--target', 'staging', '--promote-from', 'dev']).code, 0);
  return { dir, sha };
}

function prodRefs(dir: string): Record<string, string> {
  return atmosRefs(dir, `refs/atmos/deployments/${D}/prod/`);
}

/** An annotated tag written with plain git, as an attacker would, with any message. */
function handTag(dir: string, name: string, object: string, body: string): void {
  git(dir, ['tag', '-a', name, object, '-F', '-'], undefined, body);
}

function record(fields: Record<string, string>, metadata: Record<string, string> = {}): string {
  const lines = ['atmos.tools/v1alpha1', 'kind: Deployment', '---'];
  for (const [k, v] of Object.entries(fields)) lines.push(`${k}: ${v}`);
  if (Object.keys(metadata).length) {
    lines.push('metadata:');
    for (const [k, v] of Object.entries(metadata)) lines.push(`  ${k}: ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('committed rules: the working tree cannot weaken them', () => {
  it('an uncommitted `prod: {}` does not open prod to a plain commit', () => {
    const { dir } = promoted();
    const other = commit(dir, 'never ran anywhere');
    writeFileSync(path.join(dir, FILE), OPEN_PROD);
    const r = cli(dir, ['rollout', D, '--target', 'prod', '--git-sha', other]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /deployments\/payment-service\.yaml has uncommitted changes; promotion rules are read from committed config \(HEAD\)\. Commit them first\./,
    );
    assert.deepEqual(prodRefs(dir), {});
    // approve and rollback read the committed rules the same way.
    const a = cli(dir, ['approve', D, '--target', 'prod', '--promote-from', 'staging']);
    assert.equal(a.code, 1, a.stderr);
    assert.match(a.stderr, /has uncommitted changes/);
    assert.equal(git(dir, ['notes', '--ref=atmos/payment-service/approvals', 'list']), '');
  });

  it('a deployment file that was never committed cannot be rolled out', () => {
    const dir = makeRepo({ 'other.yaml': 'deployment:\n  name: other\n  targets:\n    dev: {}\n' });
    writeFileSync(path.join(dir, FILE), OPEN_PROD);
    const r = cli(dir, ['rollout', D, '--target', 'prod']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /payment-service\.yaml is not committed; promotion rules are read from committed config \(HEAD\)/,
    );
    assert.deepEqual(atmosRefs(dir), {});
  });

  it('every tag records the commit its rules came from (policy_sha)', () => {
    const { dir } = promoted();
    const policy = head(dir);
    commit(dir, 'later work');
    const r = cli(dir, ['rollout', D, '--target', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    const newest = tags(dir, `atmos/deployments/${D}/dev/api/*`).sort().pop()!;
    assert.match(
      git(dir, ['cat-file', 'tag', newest]),
      new RegExp(`\\npolicy_sha: ${head(dir)}\\n`),
    );
    // --policy-rev names another commit; the working copy must equal the file there.
    const p = cli(dir, ['rollout', D, '--target', 'dev', '--redeploy', '--policy-rev', policy]);
    assert.equal(p.code, 0, p.stderr);
    const latest = tags(dir, `atmos/deployments/${D}/dev/api/*`).sort().pop()!;
    assert.match(git(dir, ['cat-file', 'tag', latest]), new RegExp(`\\npolicy_sha: ${policy}\\n`));
    const bad = cli(dir, ['rollout', D, '--target', 'dev', '--redeploy', '--policy-rev', 'nope']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /The policy revision 'nope' is not a commit/);
  });

  it("with --remote the rules come from the remote's default branch, not the clone's commits", () => {
    const origin = makeRepo();
    const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, ['init', '-q', '--bare', '-b', 'main']);
    git(origin, ['push', '-q', bare, 'main']);
    const dir = mkdtempSync(path.join(tmpdir(), 'atmos-clone-'));
    git(dir, ['clone', '-q', bare, '.']);
    const sha = head(dir);
    assert.equal(cli(dir, ['rollout', D, '--target', 'dev', '--remote', 'origin']).code, 0);
    // The rules are weakened in a local commit that never reaches the shared branch.
    writeFileSync(path.join(dir, FILE), OPEN_PROD);
    git(dir, ['commit', '-q', '-am', 'open prod']);
    const r = cli(dir, ['rollout', D, '--target', 'prod', '--git-sha', sha, '--remote', 'origin']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /has uncommitted changes; promotion rules are read from committed config \(origin's default branch\)\. Commit and push them first\./,
    );
    assert.deepEqual(atmosRefs(bare, `refs/atmos/deployments/${D}/prod/`), {});
    // Nothing but the records reaches the remote: the private policy ref stays local.
    assert.equal(git(bare, ['for-each-ref', 'refs/atmos-policy/']), '');
    assert.ok(fsckClean(bare));
  });
});

describe('record-backed sources: a ref written with plain git is not a deployment', () => {
  it('a staging ref moved by plain git is refused by name', () => {
    const { dir } = promoted();
    const rogue = commit(dir, 'never ran in staging');
    git(dir, ['update-ref', `refs/atmos/deployments/${D}/staging/api`, rogue]);
    const r = cli(dir, [
      'rollout',
      D,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `Cannot promote from staging: staging/api points at ${rogue.slice(0, 9)} but no deployment record backs it: its newest record, atmos/deployments/${D}/staging/api/[^ ]+, records `,
      ),
    );
    assert.deepEqual(prodRefs(dir), {});
  });

  it('a source ref with no tag at all is refused', () => {
    const dir = makeRepo();
    const sha = head(dir);
    for (const c of ['api', 'worker', 'database'])
      git(dir, ['update-ref', `refs/atmos/deployments/${D}/staging/${c}`, sha]);
    const r = cli(dir, [
      'rollout',
      D,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /staging\/api points at [0-9a-f]{9} but no deployment record backs it \(no deployment tag records it\)/,
    );
    assert.deepEqual(prodRefs(dir), {});
    // promotion-status says the same instead of offering the edge as ready.
    const status = cli(dir, ['promotion-status', D]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /staging → prod \(blocked: staging\/api points at [0-9a-f]{9} but no deployment record backs it\)\n {2}api: [0-9a-f]{9} \(no deployment record\)/,
    );
  });

  it('a hand-made newest tag whose message names another SHA does not back the ref', () => {
    const { dir, sha } = promoted();
    const rogue = commit(dir, 'rogue');
    git(dir, ['update-ref', `refs/atmos/deployments/${D}/staging/api`, rogue]);
    handTag(
      dir,
      `atmos/deployments/${D}/staging/api/2999-01-01T00-00-00Z`,
      rogue,
      record({
        deployment: D,
        target: 'staging',
        component: 'api',
        git_sha: sha,
        timestamp: '2999-01-01T00:00:00Z',
        status: 'success',
      }),
    );
    const r = cli(dir, [
      'rollout',
      D,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the record does not agree with its object/);
    assert.deepEqual(prodRefs(dir), {});
  });

  it('a failed deploy newer than the record still leaves the ref backed', () => {
    const { dir } = promoted();
    commit(dir, 'next');
    // staging's deploy of the new commit fails, so its newest records are failed ones and its
    // refs stay on the commit the record before them backs.
    const g = cli(dir, ['rollout', D, '--target', 'dev']);
    assert.equal(g.code, 0, g.stderr);
    const h = cli(dir, [
      'rollout',
      D,
      '--target',
      'staging',
      '--promote-from',
      'dev',
      '--exec',
      'false',
    ]);
    assert.equal(h.code, 1, h.stderr);
    const r = cli(dir, [
      'rollout',
      D,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
    ]);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('rollbacks go through the records, not a tag message', () => {
  it('a hand-made prod tag whose message says git_sha E cannot put E into prod', () => {
    const { dir, sha } = promoted();
    const e = commit(dir, 'E never ran in staging');
    for (const c of ['api', 'worker', 'database'])
      handTag(
        dir,
        `atmos/deployments/${D}/prod/${c}/2020-01-01T00-00-00Z`,
        sha,
        record({
          deployment: D,
          target: 'prod',
          component: c,
          git_sha: e,
          timestamp: '2020-01-01T00:00:00Z',
          status: 'success',
          promoted_from: 'staging',
        }),
      );
    const r = cli(dir, [
      'rollback',
      D,
      '--target',
      'prod',
      '--to',
      '2020-01-01T00-00-00Z',
      '--approve',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `Cannot roll back to atmos/deployments/${D}/prod/[a-z]+/2020-01-01T00-00-00Z: its message says git_sha ${e.slice(0, 9)} but the tag points at ${sha.slice(0, 9)}`,
      ),
    );
    assert.deepEqual(prodRefs(dir), {});
  });
});

describe('rollbacks return only to records that followed the rules', () => {
  it('a consistent hand-made prod record of a SHA that never ran in staging is refused', () => {
    const { dir } = promoted();
    const e = commit(dir, 'E never ran in staging');
    for (const c of ['api', 'worker', 'database'])
      handTag(
        dir,
        `atmos/deployments/${D}/prod/${c}/2020-01-01T00-00-00Z`,
        e,
        record({
          deployment: D,
          target: 'prod',
          component: c,
          git_sha: e,
          timestamp: '2020-01-01T00:00:00Z',
          status: 'success',
          promoted_from: 'staging',
        }),
      );
    const r = cli(dir, [
      'rollback',
      D,
      '--target',
      'prod',
      '--to',
      '2020-01-01T00-00-00Z',
      '--approve',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /Cannot roll back to that rollout: the records it would return to did not follow the rules/,
    );
    assert.match(r.stderr, /source-not-recorded/);
    assert.deepEqual(prodRefs(dir), {});
    assert.equal(git(dir, ['notes', '--ref=atmos/payment-service/approvals', 'list']), '');
  });
});

describe('approvals: single-use, and never typed in', () => {
  it('--metadata approver=... and approval_timestamp are refused with exit 2', () => {
    const { dir } = promoted();
    for (const key of ['approver', 'approval_timestamp']) {
      const r = cli(dir, [
        'rollout',
        D,
        '--target',
        'prod',
        '--promote-from',
        'staging',
        '--metadata',
        `${key}=alice@example.com`,
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`--metadata ${key}: this key is written only from a recorded approval`),
      );
    }
    assert.deepEqual(prodRefs(dir), {});
  });

  it('history says "approved by" only where a recorded approval backs the tag', () => {
    const { dir, sha } = promoted();
    // A prod record written with plain git that claims alice approved it.
    handTag(
      dir,
      `atmos/deployments/${D}/prod/api/2030-01-01T00-00-00Z`,
      sha,
      record(
        {
          deployment: D,
          target: 'prod',
          component: 'api',
          git_sha: sha,
          timestamp: '2030-01-01T00:00:00Z',
          status: 'success',
          promoted_from: 'staging',
        },
        { approver: 'alice@example.com', approval_timestamp: '2030-01-01T00:00:00Z' },
      ),
    );
    const text = cli(dir, ['history', D, '--target', 'prod']);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /approved by alice/);
    assert.match(
      text.stdout,
      /names approver alice@example\.com, but no recorded approval backs it/,
    );
    const json = JSON.parse(
      cli(dir, ['history', D, '--target', 'prod', '--format', 'json']).stdout,
    );
    assert.equal(json.entries[0].approver, undefined);
    assert.equal(json.entries[0].unbackedApprover, 'alice@example.com');
    // A real approval recorded on alice's behalf shows, with who recorded it.
    assert.equal(
      cli(dir, [
        'approve',
        D,
        '--target',
        'prod',
        '--promote-from',
        'staging',
        '--approver',
        'alice@example.com',
      ]).code,
      0,
    );
    const r = cli(dir, ['rollout', D, '--target', 'prod', '--promote-from', 'staging']);
    assert.equal(r.code, 0, r.stderr);
    const after = cli(dir, ['history', D, '--target', 'prod', '--component', 'worker']);
    assert.match(after.stdout, /approved by alice@example\.com \(recorded by ci@example\.com\)/);
  });

  it('an approval authorizes one rollout: a redeploy or a rollback to that SHA set needs a new one', () => {
    const { dir } = promoted();
    assert.equal(cli(dir, ['approve', D, '--target', 'prod', '--promote-from', 'staging']).code, 0);
    const first = cli(dir, ['rollout', D, '--target', 'prod', '--promote-from', 'staging']);
    assert.equal(first.code, 0, first.stderr);
    const firstStamp = /prod\/api\/(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)/.exec(first.stdout)![1];
    // The same SHAs again: the approval is spent.
    const again = cli(dir, [
      'rollout',
      D,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--redeploy',
    ]);
    assert.equal(again.code, 3, again.stderr);
    assert.match(
      again.stderr,
      /was already used by the rollout of .*an approval authorizes one rollout/,
    );
    // A newer SHA set reaches prod with its own approval...
    commit(dir, 'next');
    assert.equal(cli(dir, ['rollout', D, '--target', 'dev']).code, 0);
    assert.equal(cli(dir, ['rollout', D, '--target', 'staging', '--promote-from', 'dev']).code, 0);
    assert.equal(
      cli(dir, ['rollout', D, '--target', 'prod', '--promote-from', 'staging', '--approve']).code,
      0,
    );
    // ...and a rollback to the first set does not quietly reuse the approval it once had.
    const before = prodRefs(dir);
    const back = cli(dir, ['rollback', D, '--target', 'prod', '--to', firstStamp]);
    assert.equal(back.code, 3, back.stderr);
    assert.match(back.stderr, /was already used by the rollout of/);
    assert.deepEqual(prodRefs(dir), before);
    const approved = cli(dir, ['rollback', D, '--target', 'prod', '--to', firstStamp, '--approve']);
    assert.equal(approved.code, 0, approved.stderr);
    assert.ok(fsckClean(dir));
  });
});

describe('damaged or hand-made records never break the readers', () => {
  it('history and promotion-status read past a garbage message, a tag of a blob and a lightweight tag', () => {
    const { dir, sha } = promoted();
    const blob = git(dir, ['hash-object', '-w', '--stdin'], undefined, 'not a commit\n').trim();
    handTag(dir, `atmos/deployments/${D}/staging/api/2031-01-01T00-00-00Z`, sha, 'garbage\n\0\n');
    handTag(dir, `atmos/deployments/${D}/staging/worker/2031-01-01T00-00-00Z`, blob, record({}));
    git(dir, ['tag', `atmos/deployments/${D}/staging/database/2031-01-01T00-00-00Z`, sha]);
    const h = cli(dir, ['history', D, '--format', 'json']);
    assert.equal(h.code, 0, h.stderr);
    const entries = JSON.parse(h.stdout).entries as Array<{ target: string }>;
    // The six records the tool wrote are all still listed.
    assert.equal(entries.length, 6);
    const s = cli(dir, ['promotion-status', D]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /staging → prod \(ready, requires approval\)/);
  });
});
