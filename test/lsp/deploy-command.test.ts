/**
 * The server's deploy step (`atmosDeployments.deployCommand`), as VS Code's Promote and Roll
 * Out call it: the same dependency waves, stopped dependents and ATMOS_VARS as the CLI's
 * `--exec`. (A dependency cycle never gets this far in the server: like every error in the
 * file, it refuses the rollout at the server's own validation, and the rollout service refuses
 * it again; test/git/deploy-waves.test.ts calls the service with one.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { gitIn, type Harness, startInGitRepo } from './harness';

const SHOP = `deployment:
  name: shop
  components:
    terraform:
      vpc: {}
      db:
        metadata: { depends_on: [terraform/vpc] }
    helmfile:
      api:
        vars: { replicas: 1 }
        metadata: { depends_on: [terraform/db] }
  targets:
    dev:
      context: { cpu: 256 }
`;

interface Result {
  ok: boolean;
  message: string;
}

/** The status each component's record says, by plain git. */
function statuses(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of gitIn(root, 'tag', '-l', 'atmos/deployments/shop/dev/*')
    .split('\n')
    .filter(Boolean))
    out[tag.split('/')[4]] = /\nstatus: (\w+)/.exec(gitIn(root, 'cat-file', '-p', tag))![1];
  return out;
}

describe('deployCommand in the server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('runs in waves with ATMOS_VARS, and a failure stops what depends on it', async () => {
    const command = `echo "$ATMOS_COMPONENT $ATMOS_VARS" >> deploy.log; test "$ATMOS_COMPONENT" != db`;
    h = await startInGitRepo(
      { 'deployments/shop.yaml': SHOP },
      { deployment: 'shop', target: 'dev' },
      { settings: { deployCommand: command } },
    );
    const r = await h.request<Result>('atmosDeployments/applyRollout', {
      deployment: 'shop',
      target: 'dev',
    });
    assert.equal(r.ok, false);
    const log = readFileSync(path.join(h.root, 'deploy.log'), 'utf8');
    assert.equal(log, 'vpc {"cpu":256}\ndb {"cpu":256}\n');
    assert.deepEqual(statuses(h.root), { vpc: 'success', db: 'failed', api: 'failed' });
    assert.match(r.message, /failed: db \(exit status 1\), api \(not run: it depends on db/);
  });
});

/** Four components in three waves: vpc and cache, then db (needs vpc), then api (needs both). */
const WAVES = `deployment:
  name: shop
  components:
    terraform:
      vpc: {}
      cache: {}
      db:
        metadata: { depends_on: [terraform/vpc] }
    helmfile:
      api:
        metadata: { depends_on: [terraform/db, terraform/cache] }
  targets:
    dev: {}
`;

/**
 * Logs when each component starts and ends (milliseconds, by node, which every test machine
 * has) and says hello on stdout; `db` waits for the file `release-db` when `HOLD_DB` is set.
 */
const SCRIPT = `now() { node -e 'process.stdout.write(String(Date.now()))'; }
echo "start $ATMOS_COMPONENT $(now)" >> deploy.log
echo "hello from $ATMOS_COMPONENT"
if [ "$ATMOS_COMPONENT" = db ] && [ -f hold-db ]; then sleep 60; fi
sleep 0.3
echo "end $ATMOS_COMPONENT $(now)" >> deploy.log
`;

interface Streamed {
  deployId: string;
  kind: string;
  line: string;
  wave?: { index: number; count: number; components: string[] };
}

interface WaveResult extends Result {
  tags: string[];
  waves?: string[][];
  components?: Array<{ component: string; status: string; reason?: string }>;
}

describe('the deploy step streamed to the editor', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** Starts a server whose deploy command is the script, and collects what it streams. */
  async function start(files: Record<string, string> = {}) {
    h = await startInGitRepo(
      { 'deployments/shop.yaml': WAVES, 'deploy.sh': SCRIPT, ...files },
      { deployment: 'shop', target: 'dev' },
      { settings: { deployCommand: 'sh ./deploy.sh' } },
    );
    const streamed: Streamed[] = [];
    h.conn.onNotification('atmosDeployments/deployOutput', (p: Streamed) => streamed.push(p));
    return { h, streamed };
  }

  test('runs the components in waves and streams their output and each wave', async () => {
    const { h, streamed } = await start();
    const r = await h.request<WaveResult>('atmosDeployments/applyRollout', {
      deployment: 'shop',
      target: 'dev',
      deployId: 'run-1',
    });
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(r.waves, [['vpc', 'cache'], ['db'], ['api']]);
    const at: Record<string, number> = {};
    for (const line of readFileSync(path.join(h.root, 'deploy.log'), 'utf8').trim().split('\n')) {
      const [edge, name, ms] = line.split(' ');
      at[`${edge} ${name}`] = Number(ms);
    }
    // The first wave runs at once (on a machine with two cores or more, the default bound):
    // each of its two starts before the other ends.
    if (availableParallelism() >= 2)
      assert.ok(
        at['start vpc'] < at['end cache'] && at['start cache'] < at['end vpc'],
        `${JSON.stringify(at)}`,
      );
    // Every later wave starts after everything it needs has ended.
    assert.ok(at['start db'] >= at['end vpc'], JSON.stringify(at));
    assert.ok(at['start api'] >= Math.max(at['end db'], at['end cache']), JSON.stringify(at));
    assert.ok(streamed.every((s) => s.deployId === 'run-1'));
    const lines = streamed.map((s) => s.line);
    for (const c of ['vpc', 'cache', 'db', 'api'])
      assert.ok(lines.includes(`${c} | hello from ${c}`), lines.join('\n'));
    assert.ok(lines.includes('→ Deploying to dev...'), lines.join('\n'));
    assert.ok(lines.includes('→ Wave 2 of 3: db'), lines.join('\n'));
    const waves = streamed.filter((s) => s.kind === 'wave').map((s) => s.line);
    assert.deepEqual(waves, [
      'Deploying wave 1/3: vpc, cache',
      'Deploying wave 2/3: db',
      'Deploying wave 3/3: api',
    ]);
    // The wave of a component is announced before its output.
    assert.ok(lines.indexOf('Deploying wave 2/3: db') < lines.indexOf('db | hello from db'));
    assert.deepEqual(statuses(h.root), {
      vpc: 'success',
      cache: 'success',
      db: 'success',
      api: 'success',
    });
  });

  test('a rollback runs the deploy step the same way and streams it under its own id', async () => {
    const { h, streamed } = await start();
    const first = await h.request<WaveResult>('atmosDeployments/applyRollout', {
      deployment: 'shop',
      target: 'dev',
    });
    assert.equal(first.ok, true, first.message);
    // Without a deployId nothing is streamed: the output goes to the server's log only.
    assert.equal(streamed.length, 0);
    gitIn(h.root, 'commit', '-q', '--allow-empty', '-m', 'next');
    const second = await h.request<WaveResult>('atmosDeployments/applyRollout', {
      deployment: 'shop',
      target: 'dev',
    });
    assert.equal(second.ok, true, second.message);
    const back = await h.request<WaveResult>('atmosDeployments/rollback', {
      deployment: 'shop',
      target: 'dev',
      to: first.tags[0],
      deployId: 'back-1',
    });
    assert.equal(back.ok, true, back.message);
    // A rollback lists the components in the order of the records it returns to.
    assert.deepEqual(
      back.waves?.map((w) => [...w].sort()),
      [['cache', 'vpc'], ['db'], ['api']],
    );
    assert.ok(streamed.length > 0 && streamed.every((s) => s.deployId === 'back-1'));
    const lines = streamed.map((s) => s.line);
    assert.ok(lines.includes('api | hello from api'), lines.join('\n'));
    assert.deepEqual((back.components ?? []).map((c) => `${c.component} ${c.status}`).sort(), [
      'api rolled_back',
      'cache rolled_back',
      'db rolled_back',
      'vpc rolled_back',
    ]);
  });

  test('cancelled mid-deploy, it stops the running ones and records every outcome', async () => {
    const { h, streamed } = await start({ 'hold-db': '' });
    const cancel = new CancellationTokenSource();
    const applying = h.conn.sendRequest<WaveResult>(
      'atmosDeployments/applyRollout',
      { deployment: 'shop', target: 'dev', deployId: 'run-2' },
      cancel.token,
    );
    const deadline = Date.now() + 20_000;
    while (!streamed.some((s) => s.line === 'db | hello from db')) {
      assert.ok(Date.now() < deadline, 'db never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelledAt = Date.now();
    cancel.cancel();
    const r = await applying;
    // db was stopped rather than left to sleep its minute.
    assert.ok(Date.now() - cancelledAt < 20_000);
    assert.equal(r.ok, false);
    assert.deepEqual(statuses(h.root), {
      vpc: 'success',
      cache: 'success',
      db: 'failed',
      api: 'failed',
    });
    const reasons = Object.fromEntries((r.components ?? []).map((c) => [c.component, c.reason]));
    assert.equal(reasons.db, 'stopped: the rollout was interrupted');
    assert.match(reasons.api ?? '', /^not run/);
    assert.match(
      r.message,
      /^Rolled out 2 of 4 components of shop to dev \(vpc, cache\); failed: db \(stopped: the rollout was interrupted\), api \(not run/,
    );
    // The refs of the finished ones moved; the stopped ones stayed where they were.
    const refs = gitIn(h.root, 'for-each-ref', '--format=%(refname)', 'refs/atmos/deployments/');
    assert.deepEqual(
      refs
        .trim()
        .split('\n')
        .map((r) => r.split('/').pop())
        .sort(),
      ['cache', 'vpc'],
    );
    assert.ok(!readFileSync(path.join(h.root, 'deploy.log'), 'utf8').includes('start api'));
  });
});
