/**
 * The git commands from the built CLI: every exit code, the faults the issue lists, --exec,
 * --dry-run, rollback, and the number of git processes a status read costs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDeploymentFile } from '../../server/src/core';
import {
  openGitStore,
  planRollout,
  readDeployedState,
  readPromotionStatus,
} from '../../server/src/rollout';
import { atmosRefs, cli, commit, fsckClean, git, head, makeRepo, tags } from '../git/helpers';

describe('exit codes and faults', () => {
  const dir = makeRepo();

  it('2: unknown deployment, target and component list the known names', () => {
    const d = cli(dir, ['rollout', 'nope', '--target', 'dev']);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /Unknown deployment 'nope'\. Known deployments: payment-service\./);
    const t = cli(dir, ['rollout', 'payment-service', '--target', 'qa']);
    assert.equal(t.code, 2);
    assert.match(
      t.stderr,
      /Unknown target 'qa' in deployment payment-service\. Known targets: dev, staging, prod\./,
    );
    const c = cli(dir, ['rollout', 'payment-service', '--target', 'dev', '--component', 'cache']);
    assert.equal(c.code, 2);
    assert.match(
      c.stderr,
      /Unknown component 'cache' in deployment payment-service\. Known components: api, worker, database\./,
    );
    const s = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'dev',
      '--git-sha',
      'no-such-rev',
    ]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /'no-such-rev' is not a commit in this repository/);
    const u = cli(dir, ['rollout', 'payment-service']);
    assert.equal(u.code, 2, 'a missing required option is a usage error');
  });

  it('2: a mistyped target is answered with the name the editor would suggest', () => {
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'prd',
      '--promote-from',
      'staging',
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /Unknown target 'prd' in deployment payment-service\. Did you mean 'prod'\?/,
    );
  });

  it('a source named with its own deployment promotes within it, not across deployments', () => {
    const repo = makeRepo();
    assert.equal(cli(repo, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
    const r = cli(repo, [
      'rollout',
      'payment-service',
      '--target',
      'staging',
      '--promote-from',
      'payment-service/dev',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const tag = tags(repo, 'atmos/deployments/payment-service/staging/*')[0];
    assert.match(git(repo, ['cat-file', '-p', tag]), /^promoted_from: dev$/m);
  });

  it('1: a source with nothing deployed yet, with the design message', () => {
    const r = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'staging',
      '--promote-from',
      'dev',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'error: Cannot promote from dev: nothing is deployed there yet for payment-service.',
    );
  });

  it('2: hostile names never reach git', () => {
    const before = git(dir, ['for-each-ref']);
    for (const name of [
      '--upload-pack=touch pwned',
      '../../heads/main',
      '$(touch pwned)',
      'HEAD',
      'a\nb',
      'pay\u200bment',
    ]) {
      for (const args of [
        ['rollout', name, '--target', 'dev'],
        ['rollout', 'payment-service', '--target', name],
        ['rollout', 'payment-service', '--target', 'staging', '--promote-from', name],
        ['rollout', 'payment-service', '--target', 'dev', '--component', name],
        ['promotion-status', name],
      ]) {
        const r = cli(dir, args);
        assert.ok(r.code === 2 || r.code === 1, `${JSON.stringify(args)} → ${r.code} ${r.stderr}`);
      }
    }
    const remote = cli(dir, [
      'rollout',
      'payment-service',
      '--target',
      'dev',
      '--remote',
      '--upload-pack=touch pwned',
    ]);
    assert.equal(remote.code, 2);
    assert.equal(existsSync(path.join(dir, 'pwned')), false);
    assert.equal(git(dir, ['for-each-ref']), before);
    assert.ok(fsckClean(dir));
  });

  it('2: not a git repository, and a repository without commits', async () => {
    const plain = mkdtempSync(path.join(tmpdir(), 'atmos-plain-'));
    const files = path.join(dir, 'deployments');
    const copy = (to: string) => {
      git(to, ['--version']);
      for (const f of readdirSync(files)) {
        const target = path.join(to, 'deployments');
        if (!existsSync(target)) require('node:fs').mkdirSync(target);
        writeFileSync(path.join(target, f), readFileSync(path.join(files, f)));
      }
    };
    copy(plain);
    const r = cli(plain, ['promotion-status', 'payment-service']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not inside a git repository/);
    const empty = mkdtempSync(path.join(tmpdir(), 'atmos-empty-'));
    git(empty, ['init', '-q']);
    copy(empty);
    const e = cli(empty, ['rollout', 'payment-service', '--target', 'dev']);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /has no commits yet/);
    // The service names both cases, so an editor can say them in its own words.
    const text = readFileSync(path.join(files, 'payment-service.yaml'), 'utf8');
    const deployment = parseDeploymentFile(text, 'payment-service.yaml').deployment!;
    await assert.rejects(planRollout(openGitStore(empty), deployment, { target: 'dev' }), {
      reason: 'no-commits',
    });
    await assert.rejects(planRollout(openGitStore(plain), deployment, { target: 'dev' }), {
      reason: 'not-a-repo',
    });
  });

  it('detached HEAD deploys that commit and says so', () => {
    const repo = makeRepo();
    const sha = head(repo);
    git(repo, ['checkout', '-q', '--detach', 'HEAD']);
    const r = cli(repo, ['rollout', 'payment-service', '--target', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`! HEAD is detached at ${sha.slice(0, 9)}`));
  });

  it('2: a recorded commit missing from the clone (as in a shallow clone)', () => {
    const repo = makeRepo();
    const gone = commit(repo, 'soon gone');
    assert.equal(
      cli(repo, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', gone]).code,
      0,
    );
    git(repo, ['reset', '-q', '--hard', 'HEAD~1']);
    // Removing the loose object makes the recorded commit unreadable, as a shallow clone would.
    rmSync(path.join(repo, '.git', 'objects', gone.slice(0, 2), gone.slice(2)));
    const r = cli(repo, [
      'rollout',
      'payment-service',
      '--target',
      'staging',
      '--promote-from',
      'dev',
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /is not in this clone; it may be a shallow clone\. Run `git fetch --unshallow`/,
    );
  });

  it('3: approval missing without a TTY; 0 with --approve', () => {
    const repo = makeRepo();
    cli(repo, ['rollout', 'payment-service', '--target', 'dev']);
    cli(repo, ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev']);
    assert.equal(
      cli(repo, ['rollout', 'payment-service', '--target', 'prod', '--promote-from', 'staging'])
        .code,
      3,
    );
    const ok = cli(repo, [
      'rollout',
      'payment-service',
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--approve',
      '--role',
      'sre',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const note = JSON.parse(
      git(repo, ['notes', '--ref=atmos/payment-service/approvals', 'show', head(repo)]).trim(),
    );
    assert.equal(note.approved_by, 'ci@example.com');
    assert.equal(note.approver_role, 'sre');
  });
});

describe('rollout options', () => {
  it('--dry-run prints the plan and writes nothing', () => {
    const repo = makeRepo();
    const r = cli(repo, ['rollout', 'payment-service', '--target', 'dev', '--dry-run']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Dry run: would roll out payment-service to dev/);
    // A dry run says what it would do; it never announces a deployment.
    assert.match(r.stdout, /^→ Would roll out payment-service to dev$/m);
    assert.doesNotMatch(r.stdout, /Deploying/);
    assert.deepEqual(atmosRefs(repo), {});
    assert.equal(tags(repo).length, 0);
  });

  it('without --exec says once that only records were written, and how to attach a deploy step', () => {
    const repo = makeRepo();
    const r = cli(repo, ['rollout', 'payment-service', '--target', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Deploying|Rolled out/);
    assert.match(r.stdout, /^→ Rolling out payment-service to dev$/m);
    assert.match(
      r.stdout,
      /^✓ Recorded the rollout of payment-service to dev: .* \(no deploy command configured\)\.$/m,
    );
    assert.equal(r.stdout.match(/no deploy command configured/g)?.length, 1, r.stdout);
    assert.equal(r.stdout.match(/--exec <command>/g)?.length, 1, r.stdout);
    // With a deploy step the spec's words stand.
    const d = cli(repo, [
      'rollout',
      'payment-service',
      '--target',
      'dev',
      '--redeploy',
      '--exec',
      'true',
    ]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^→ Deploying payment-service to dev$/m);
    assert.match(d.stdout, /^✓ Rolled out payment-service to dev: /m);
    assert.doesNotMatch(d.stdout, /no deploy command configured|--exec <command>/);
  });

  it('--exec runs per component with the ATMOS_* variables; a failure records status failed and leaves that ref', () => {
    const repo = makeRepo();
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-exec-')), 'log');
    const cmd = `echo "$ATMOS_DEPLOYMENT $ATMOS_TARGET $ATMOS_COMPONENT $ATMOS_GIT_SHA" >> ${log}; test "$ATMOS_COMPONENT" != worker`;
    const r = cli(repo, [
      'rollout',
      'payment-service',
      '--target',
      'dev',
      '--exec',
      cmd,
      '--component',
      'api',
      '--component',
      'worker',
    ]);
    assert.equal(r.code, 1, r.stdout);
    const sha = head(repo);
    // The two have no dependencies, so they are one wave and may run in either order.
    assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(), [
      `payment-service dev api ${sha}`,
      `payment-service dev worker ${sha}`,
    ]);
    assert.deepEqual(atmosRefs(repo), { 'refs/atmos/deployments/payment-service/dev/api': sha });
    const [workerTag] = tags(repo, 'atmos/deployments/payment-service/dev/worker/*');
    assert.match(git(repo, ['cat-file', '-p', workerTag]), /\nstatus: failed\n/);
    assert.match(r.stdout, /failed: worker \(exit status 1\)/);
  });

  it('rollback --to a timestamp puts that SHA set back, tagged with rollback_of', () => {
    const repo = makeRepo();
    const c1 = head(repo);
    assert.equal(cli(repo, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
    const [first] = tags(repo, 'atmos/deployments/payment-service/dev/api/*');
    const c2 = commit(repo);
    assert.equal(
      cli(repo, ['rollout', 'payment-service', '--target', 'dev', '--git-sha', c2]).code,
      0,
    );
    const stamp = first.split('/').pop()!;
    const r = cli(repo, ['rollback', 'payment-service', '--target', 'dev', '--to', stamp]);
    assert.equal(r.code, 0, r.stderr);
    for (const v of Object.values(atmosRefs(repo))) assert.equal(v, c1);
    const history = JSON.parse(
      cli(repo, ['history', 'payment-service', '--component', 'api', '--format', 'json']).stdout,
    ).entries;
    assert.equal(history.length, 3);
    const rb = history.find((e: { rollbackOf?: string }) => e.rollbackOf);
    assert.equal(rb.rollbackOf, first);
    assert.equal(rb.status, 'rolled_back');
    const bad = cli(repo, [
      'rollback',
      'payment-service',
      '--target',
      'dev',
      '--to',
      '1999-01-01T00-00-00Z',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /No successful rollout of payment-service to dev matches/);
  });
});

describe('reads are batched', () => {
  const many = (n: number) => {
    const comps = Array.from({ length: n }, (_, i) => `      c${i}: {}`).join('\n');
    return `deployment:\n  name: big\n  components:\n    terraform:\n${comps}\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: dev\n    prod:\n      promotion:\n        from: staging\n`;
  };

  async function processesForStatus(n: number): Promise<{ status: number; trace: number }> {
    const text = many(n);
    const repo = makeRepo({ 'big.yaml': text });
    assert.equal(cli(repo, ['rollout', 'big', '--target', 'dev']).code, 0);
    assert.equal(
      cli(repo, ['rollout', 'big', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    const deployment = parseDeploymentFile(text, 'big.yaml').deployment!;
    const store = openGitStore(repo);
    const report = await readPromotionStatus(store, deployment);
    assert.equal(report.edges[0].source.length, n);
    const state = await readDeployedState(openGitStore(repo), deployment);
    assert.equal(Object.keys(state.staging).length, n);
    // The same read through the CLI, counted by git itself.
    const traceFile = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-trace-')), 'trace.json');
    const r = cli(repo, ['promotion-status', 'big'], { GIT_TRACE2_EVENT: traceFile });
    assert.equal(r.code, 0, r.stderr);
    const starts = readFileSync(traceFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"start"'));
    return { status: store.processCount, trace: starts.length };
  }

  // Committed rules (design section 11) cost one `cat-file` that reads the deployment file at
  // the policy revision, and a promotion one `rev-parse` that finds the repository and that
  // revision; everything else is the six processes a rollout has always started.
  it('an unattended rollout of 100 components starts at most 8 git processes', () => {
    const repo = makeRepo({ 'big.yaml': many(100) });
    assert.equal(cli(repo, ['rollout', 'big', '--target', 'dev']).code, 0);
    assert.equal(
      cli(repo, ['rollout', 'big', '--target', 'staging', '--promote-from', 'dev']).code,
      0,
    );
    commit(repo, 'next');
    // The everyday rollout of HEAD: one rev-parse answers the repository questions.
    const headTrace = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-trace-')), 'trace.json');
    const headRun = cli(repo, ['rollout', 'big', '--target', 'dev'], {
      GIT_TRACE2_EVENT: headTrace,
    });
    assert.equal(headRun.code, 0, headRun.stderr);
    const headStarts = readFileSync(headTrace, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"start"')).length;
    assert.ok(headStarts <= 7, `a rollout of HEAD saw ${headStarts} git processes`);
    // staging already runs a recorded SHA set: the path where a plan could count commits ahead,
    // which only a dry run or an approval prompt pays for.
    const traceFile = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-trace-')), 'trace.json');
    const r = cli(repo, ['rollout', 'big', '--target', 'staging', '--promote-from', 'dev'], {
      GIT_TRACE2_EVENT: traceFile,
    });
    assert.equal(r.code, 0, r.stderr);
    const starts = readFileSync(traceFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"start"'));
    assert.ok(starts.length <= 8, `saw ${starts.length} git processes`);
    assert.equal(Object.keys(atmosRefs(repo, 'refs/atmos/deployments/big/staging/')).length, 100);
    const dry = cli(repo, [
      'rollout',
      'big',
      '--target',
      'staging',
      '--promote-from',
      'dev',
      '--dry-run',
      '--redeploy',
    ]);
    assert.equal(dry.code, 0, dry.stderr);
  });

  it('promotion-status costs the same number of git processes for 3 or 200 components', async () => {
    const small = await processesForStatus(3);
    const big = await processesForStatus(200);
    assert.deepEqual(big, small);
    assert.ok(
      small.status <= 2,
      `at most one for-each-ref and one cat-file --batch, saw ${small.status}`,
    );
  });
});
