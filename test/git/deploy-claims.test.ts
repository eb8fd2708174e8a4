/**
 * Deploy steps that race (issue 16 item 6): a rollout with --exec claims its target before its
 * first deploy step, so a second rollout to the same target fails before deploying, naming
 * who holds it and since when, locally and through a shared remote. A claim left by a rollout
 * that died is taken over when its process is gone from this machine, expires by itself, and
 * `release-claim` clears one (with --force while it still holds).
 * Run: node esbuild.mjs && npx tsx --test test/git/deploy-claims.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli, cliStart, commit, git, makeRepo, PAYMENT_SERVICE, type Running } from './helpers';

const D = 'payment-service';
const CLAIM = `refs/atmos/claims/${D}/dev`;

/** A deploy command that marks each component it starts, then waits for the `go` file. */
function blockingExec(marks: string, who: string, go?: string): string {
  const wait = go ? `; while [ ! -f '${go}' ]; do sleep 0.05; done` : '';
  return `touch '${marks}/${who}-'"$ATMOS_COMPONENT"${wait}`;
}

async function until(what: string, pred: () => boolean, run?: Running): Promise<void> {
  const end = Date.now() + 20_000;
  while (!pred()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}${run ? `\n${run.stdout()}${run.stderr()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

function claimOf(dir: string): string {
  return git(dir, ['for-each-ref', '--format=%(objectname)', CLAIM]).trim();
}

function setup(): { dir: string; marks: string; go: string } {
  const dir = makeRepo({ 'payment-service.yaml': PAYMENT_SERVICE });
  const marks = mkdtempSync(path.join(tmpdir(), 'atmos-marks-'));
  return { dir, marks, go: path.join(marks, 'go') };
}

describe('deploy claims', () => {
  it('a second rollout to a target being deployed fails before its deploy step, naming the holder', async () => {
    const { dir, marks, go } = setup();
    const first = cliStart(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--exec',
      blockingExec(marks, 'first', go),
    ]);
    await until(
      'the first deploy step',
      () => readdirSync(marks).some((f) => f.startsWith('first-')),
      first,
    );
    assert.ok(claimOf(dir), 'the first rollout holds no claim while deploying');
    const second = cli(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--redeploy',
      '--exec',
      blockingExec(marks, 'second'),
    ]);
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(
      second.stderr,
      new RegExp(
        `payment-service/dev is being deployed by ci@example\\.com \\(${hostname().replace(/\./g, '\\.')}, process ${first.child.pid}\\) since `,
      ),
    );
    assert.match(second.stderr, /Nothing was deployed or written/);
    assert.deepEqual(
      readdirSync(marks).filter((f) => f.startsWith('second-')),
      [],
      'the second rollout ran a deploy step',
    );
    writeFileSync(go, '');
    const done = await first.done;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /→ Claiming dev for the deploy steps/);
    assert.equal(claimOf(dir), '', 'the claim outlived the rollout that recorded');
  });

  it('a rollout without a deploy step takes no claim', () => {
    const { dir } = setup();
    const r = cli(dir, ['rollout', D, '--target', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Claiming/);
    assert.equal(claimOf(dir), '');
  });

  it('a killed rollout’s claim is taken over once its process is gone from this machine', async () => {
    const { dir, marks, go } = setup();
    const run = cliStart(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--exec',
      blockingExec(marks, 'dead', go),
    ]);
    await until(
      'the deploy step',
      () => readdirSync(marks).some((f) => f.startsWith('dead-')),
      run,
    );
    run.child.kill('SIGKILL');
    // The deploy command's shell outlives the killed rollout and holds its output open; let it end.
    writeFileSync(go, '');
    await run.done;
    assert.ok(claimOf(dir), 'the killed rollout left no claim');
    const next = cli(dir, ['rollout', D, '--target', 'dev', '--exec', 'true']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(claimOf(dir), '');
  });

  it('a claim held elsewhere blocks until it expires or release-claim --force clears it', () => {
    const { dir } = setup();
    const plant = (expires: string) => {
      const tree = git(dir, ['hash-object', '-w', '-t', 'tree', '--stdin']).trim();
      const body = JSON.stringify({
        kind: 'claim',
        deployment: D,
        target: 'dev',
        holder: 'carol@example.com',
        host: 'build-7.example.net',
        pid: 4242,
        since: '2026-01-01T00:00:00Z',
        expires_at: expires,
      });
      const c = git(dir, ['commit-tree', '-m', `Claim\n\n${body}`, tree]).trim();
      git(dir, ['update-ref', CLAIM, c]);
    };
    plant('2999-01-01T00:00:00Z');
    const blocked = cli(dir, ['rollout', D, '--target', 'dev', '--exec', 'true']);
    assert.equal(blocked.code, 1, blocked.stdout + blocked.stderr);
    assert.match(
      blocked.stderr,
      /being deployed by carol@example\.com \(build-7\.example\.net, process 4242\) since 2026-01-01T00:00:00Z/,
    );
    const refused = cli(dir, ['release-claim', D, '--target', 'dev']);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /claimed by carol@example\.com .* add --force/);
    const cleared = cli(dir, ['release-claim', D, '--target', 'dev', '--force']);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(claimOf(dir), '');
    // An expired claim is taken over by the next rollout without asking.
    plant('2001-01-01T00:00:00Z');
    const next = cli(dir, ['rollout', D, '--target', 'dev', '--exec', 'true']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(claimOf(dir), '');
  });

  it('through a shared remote: a clone cannot deploy while another clone holds the target', async () => {
    const { dir: source, marks, go } = setup();
    const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
    git(bare, ['clone', '-q', '--bare', source, '.']);
    const a = mkdtempSync(path.join(tmpdir(), 'atmos-a-'));
    const b = mkdtempSync(path.join(tmpdir(), 'atmos-b-'));
    for (const c of [a, b]) git(c, ['clone', '-q', bare, '.']);
    const first = cliStart(a, [
      'rollout',
      D,
      '--target',
      'dev',
      '--remote',
      'origin',
      '--exec',
      blockingExec(marks, 'a', go),
    ]);
    await until(
      'clone a deploying',
      () => readdirSync(marks).some((f) => f.startsWith('a-')),
      first,
    );
    assert.ok(claimOf(bare), 'the claim did not reach the remote before the deploy step');
    commit(b, 'other');
    const second = cli(b, [
      'rollout',
      D,
      '--target',
      'dev',
      '--remote',
      'origin',
      '--exec',
      blockingExec(marks, 'b'),
    ]);
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(second.stderr, /is being deployed by ci@example\.com/);
    assert.ok(!readdirSync(marks).some((f) => f.startsWith('b-')), 'clone b ran a deploy step');
    writeFileSync(go, '');
    const done = await first.done;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal(claimOf(bare), '', 'the claim stayed on the remote');
    assert.ok(existsSync(go));
    const again = cli(b, ['rollout', D, '--target', 'dev', '--remote', 'origin', '--exec', 'true']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });
});
