/**
 * Cancellation over LSP (`$/cancelRequest`), against the real server over stdio in a real git
 * repository. A rollout is held at the test-only `checked` pause (planned, nothing written) and
 * cancelled there: the answer is RequestCancelled and git shows no new record. Cancelled after
 * its first write (held at `tags-written`), the same rollout finishes and records everything.
 * Plan and history, held between two git processes (`cancellable-git`), stop there. So does
 * status, and the live-state cache it shares with hovers and lenses keeps no trace of the
 * cancelled read: the next status shows what is deployed. An approval held at `checked` (checked,
 * nothing written) and cancelled there writes no note.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { Harness, PAYMENT } from './harness';

const REQUEST_CANCELLED = -32800;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

function records(root: string): string {
  return git(
    root,
    'for-each-ref',
    '--format=%(refname)',
    'refs/atmos/',
    'refs/tags/',
    'refs/notes/',
  );
}

/** A server whose rollouts stop at `step` until the returned release file exists. */
async function pausedServer(
  step: string,
  { released = false } = {},
): Promise<{ h: Harness; release: string }> {
  const release = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-release-')), 'go');
  // Released from the start when the step also comes before the requests that start the server.
  if (released) writeFileSync(release, '');
  const saved = { ...process.env };
  // The server inherits the test's environment; the pause is test-only and off by default.
  process.env.ATMOS_TEST_PAUSE_AT = step;
  process.env.ATMOS_TEST_RELEASE_FILE = release;
  try {
    const h = await Harness.start({
      files: { 'deployments/payment-service.yaml': PAYMENT },
      prepare: (root) => {
        git(root, 'init', '-q', '-b', 'main');
        git(root, 'config', 'user.email', 'dev@example.com');
        git(root, 'config', 'user.name', 'Dev');
        git(root, 'add', '.');
        git(root, 'commit', '-q', '-m', 'init');
      },
    });
    await rolloutReady(h);
    return { h, release };
  } finally {
    process.env.ATMOS_TEST_PAUSE_AT = saved.ATMOS_TEST_PAUSE_AT;
    process.env.ATMOS_TEST_RELEASE_FILE = saved.ATMOS_TEST_RELEASE_FILE;
    if (saved.ATMOS_TEST_PAUSE_AT === undefined) delete process.env.ATMOS_TEST_PAUSE_AT;
    if (saved.ATMOS_TEST_RELEASE_FILE === undefined) delete process.env.ATMOS_TEST_RELEASE_FILE;
  }
}

/** Waits until the server has opened the workspace's git records (a plan answers). */
async function rolloutReady(h: Harness): Promise<void> {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      await h.request('atmosDeployments/planRollout', {
        deployment: 'payment-service',
        target: 'dev',
      });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** How many times the server has paused so far. */
function pauses(h: Harness): number {
  return h.stderr.split('ATMOS_TEST_PAUSED ').length - 1;
}

async function pausedAt(h: Harness, step: string, count = 1): Promise<void> {
  const deadline = Date.now() + 20000;
  while (h.stderr.split(`ATMOS_TEST_PAUSED ${step}`).length - 1 < count) {
    if (h.exited !== null) throw new Error(`server exited: ${h.stderr}`);
    if (Date.now() > deadline) throw new Error(`the rollout never reached ${step}: ${h.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cancelling requests over LSP', () => {
  let h: Harness | undefined;
  afterEach(() => h?.stop());

  test('a rollout cancelled before its first write answers RequestCancelled and writes nothing', async () => {
    const s = await pausedServer('checked');
    h = s.h;
    const cancel = new CancellationTokenSource();
    const applying = h.conn.sendRequest(
      'atmosDeployments/applyRollout',
      { deployment: 'payment-service', target: 'dev' },
      cancel.token,
    );
    await pausedAt(h, 'checked');
    cancel.cancel();
    // The cancellation reaches the server before the rollout goes on.
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(s.release, '');
    await assert.rejects(applying, (err: ResponseError<unknown>) => {
      assert.equal(err.code, REQUEST_CANCELLED, err.message);
      assert.match(err.message, /Cancelled before anything was written/);
      assert.match(err.message, /payment-service\/dev/);
      return true;
    });
    assert.equal(records(h.root), '', 'no ref, tag or note was written');
    // The server goes on: the same rollout, not cancelled, records.
    const ok = await h.request<{ ok: boolean; tags: string[] }>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(ok.ok, true);
    assert.equal(ok.tags.length, 2);
  });

  test('a rollout cancelled after it started writing finishes and records everything', async () => {
    const s = await pausedServer('tags-written');
    h = s.h;
    const cancel = new CancellationTokenSource();
    const applying = h.conn.sendRequest<{ ok: boolean; tags: string[] }>(
      'atmosDeployments/applyRollout',
      { deployment: 'payment-service', target: 'dev' },
      cancel.token,
    );
    await pausedAt(h, 'tags-written');
    cancel.cancel();
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(s.release, '');
    const r = await applying;
    assert.equal(r.ok, true);
    assert.equal(r.tags.length, 2);
    const refs = git(h.root, 'for-each-ref', '--format=%(refname)', 'refs/atmos/deployments/');
    assert.equal(refs.trim().split('\n').length, 2, refs);
  });

  test('plan and history cancelled between two git processes answer RequestCancelled', async () => {
    const s = await pausedServer('cancellable-git', { released: true });
    h = s.h;
    for (const [method, params] of [
      ['atmosDeployments/planRollout', { deployment: 'payment-service', target: 'dev' }],
      ['atmosDeployments/history', { deployment: 'payment-service' }],
    ] as const) {
      rmSync(s.release);
      const seen = pauses(h);
      const cancel = new CancellationTokenSource();
      const asked = h.conn.sendRequest(method, params, cancel.token);
      await pausedAt(h, 'cancellable-git', seen + 1);
      cancel.cancel();
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(s.release, '');
      await assert.rejects(asked, (err: ResponseError<unknown>) => {
        assert.equal(err.code, REQUEST_CANCELLED, `${method}: ${err.message}`);
        assert.match(err.message, /^Cancelled before git /);
        return true;
      });
    }
    assert.equal(records(h.root), '');
  });

  test('a status cancelled during its git reads answers RequestCancelled and leaves the cache whole', async () => {
    const s = await pausedServer('cancellable-git', { released: true });
    h = s.h;
    // Something deployed, so an empty state left in the cache would show.
    const ok = await h.request<{ ok: boolean }>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(ok.ok, true);
    // The refs watcher drops the cached state after a rollout; give it time to notice.
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(s.release);
    const seen = pauses(h);
    const cancel = new CancellationTokenSource();
    const asked = h.conn.sendRequest('atmosDeployments/status', {}, cancel.token);
    await pausedAt(h, 'cancellable-git', seen + 1);
    cancel.cancel();
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(s.release, '');
    await assert.rejects(asked, (err: ResponseError<unknown>) => {
      assert.equal(err.code, REQUEST_CANCELLED, err.message);
      assert.match(err.message, /^Cancelled: the status was not read\. Cancelled before git /);
      return true;
    });
    type Status = {
      deployments: { targets: { name: string; components: { sha?: string }[] }[] }[];
      gitProblem?: string;
    };
    const again = await h.request<Status>('atmosDeployments/status', {});
    assert.equal(again.gitProblem, undefined);
    const dev = again.deployments[0]?.targets.find((t) => t.name === 'dev');
    assert.ok(
      dev?.components.length && dev.components.every((c) => c.sha),
      `dev shows its deployed components after the cancelled read: ${JSON.stringify(again)}`,
    );
  });

  test('an approval cancelled before its write answers RequestCancelled and writes no note', async () => {
    const s = await pausedServer('checked', { released: true });
    h = s.h;
    const ok = await h.request<{ ok: boolean }>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(ok.ok, true);
    rmSync(s.release);
    const seen = h.stderr.split('ATMOS_TEST_PAUSED checked').length - 1;
    const cancel = new CancellationTokenSource();
    const approving = h.conn.sendRequest(
      'atmosDeployments/approve',
      { deployment: 'payment-service', target: 'staging', promoteFrom: 'dev' },
      cancel.token,
    );
    await pausedAt(h, 'checked', seen + 1);
    cancel.cancel();
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(s.release, '');
    await assert.rejects(approving, (err: ResponseError<unknown>) => {
      assert.equal(err.code, REQUEST_CANCELLED, err.message);
      assert.match(err.message, /Cancelled before anything was written/);
      assert.match(err.message, /payment-service\/staging/);
      return true;
    });
    const notes = git(h.root, 'for-each-ref', '--format=%(refname)', 'refs/notes/');
    assert.equal(notes, '', 'no approval note was written');
    // The same approval, not cancelled, records its note.
    const r = await h.request<{ notesRef: string }>('atmosDeployments/approve', {
      deployment: 'payment-service',
      target: 'staging',
      promoteFrom: 'dev',
    });
    assert.match(git(h.root, 'for-each-ref', '--format=%(refname)', 'refs/notes/'), /approvals/);
    assert.ok(r.notesRef);
  });
});
