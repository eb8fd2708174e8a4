/**
 * The Promotions view's status of every deployment reads git in one pass (one `for-each-ref`
 * for the whole workspace, not one per deployment), and after a rollout it shows the new state
 * of the deployment that changed and the same state of the others.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApplyResult, StatusResult } from '../../server/src/protocol/requests';
import { gitIn, Harness, PAYMENT } from './harness';

const NAMES = ['alpha', 'bravo', 'charlie', 'delta'];
const trace = path.join(os.tmpdir(), `atmos-lsp-status-trace-${process.pid}.json`);

/** How many git processes of each command ran since the trace was last cleared. */
function gitCommands(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { event: string; name?: string };
    if (e.event === 'cmd_name' && e.name) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  }
  return counts;
}

describe('workspace status in one pass', () => {
  let h: Harness;
  before(async () => {
    // The server inherits this environment, so every git process it starts is traced.
    writeFileSync(trace, '');
    process.env.GIT_TRACE2_EVENT = trace;
    const files: Record<string, string> = {};
    for (const n of NAMES) files[`deployments/${n}.yaml`] = PAYMENT.replace('payment-service', n);
    h = await Harness.start({
      files,
      prepare: (root) => {
        gitIn(root, 'init', '-q', '-b', 'main');
        gitIn(root, 'config', 'user.email', 'dev@example.com');
        gitIn(root, 'config', 'user.name', 'Dev');
        gitIn(root, 'add', '.');
        gitIn(root, 'commit', '-q', '-m', 'init');
      },
    });
    delete process.env.GIT_TRACE2_EVENT;
  });
  after(async () => {
    await h.stop();
    rmSync(trace, { force: true });
  });

  const edges = (s: StatusResult) =>
    s.deployments.map((d) => `${d.name}: ${d.edges.map((e) => e.state).join(', ')}`);

  test('reads every deployment with one for-each-ref, and a rollout shows at once', async () => {
    await h.until(() => h.logs.find((l) => l.startsWith(`Indexed ${NAMES.length} `)), 'the index');
    for (const n of NAMES.slice(0, 3)) {
      const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
        deployment: n,
        target: 'dev',
      });
      assert.equal(r.ok, true, r.message);
    }
    writeFileSync(trace, '');
    const first = await h.request<StatusResult>('atmosDeployments/status', {});
    assert.deepEqual(edges(first), [
      'alpha: ready, blocked',
      'bravo: ready, blocked',
      'charlie: ready, blocked',
      'delta: blocked, blocked',
    ]);
    assert.equal(gitCommands().get('for-each-ref'), 1, JSON.stringify([...gitCommands()]));

    const promoted = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'bravo',
      target: 'staging',
      promoteFrom: 'dev',
    });
    assert.equal(promoted.ok, true, promoted.message);
    writeFileSync(trace, '');
    const second = await h.request<StatusResult>('atmosDeployments/status', {});
    assert.deepEqual(edges(second), [
      'alpha: ready, blocked',
      'bravo: up to date, ready, requires approval',
      'charlie: ready, blocked',
      'delta: blocked, blocked',
    ]);
    assert.ok((gitCommands().get('for-each-ref') ?? 0) <= 1, JSON.stringify([...gitCommands()]));
  });

  // The Promotions view asks this first, so the deployments show before any record is read.
  test('withoutRecords answers from the files alone: no git process, pending, no edges', async () => {
    const refsMoved = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'delta',
      target: 'dev',
    });
    assert.equal(refsMoved.ok, true, refsMoved.message);
    writeFileSync(trace, '');
    const quick = await h.request<StatusResult>('atmosDeployments/status', {
      withoutRecords: true,
    });
    assert.deepEqual([...gitCommands()], [], 'no git process ran');
    assert.deepEqual(
      quick.deployments.map((d) => d.name),
      NAMES,
    );
    for (const d of quick.deployments) {
      assert.equal(d.pending, true);
      assert.deepEqual(d.edges, []);
      assert.ok(d.targets.length > 0);
      assert.ok(d.targets.every((t) => t.components.every((c) => c.sha === undefined)));
    }
    const full = await h.request<StatusResult>('atmosDeployments/status', {});
    const delta = full.deployments.find((d) => d.name === 'delta')!;
    assert.equal(delta.pending, undefined);
    assert.ok(delta.targets.find((t) => t.name === 'dev')!.components.every((c) => c.sha));
  });
});
