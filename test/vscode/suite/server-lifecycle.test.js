// Runs inside the VS Code extension host (see index.js), after the other suites (files run in
// name order): the language server is not restarted in a loop. A deliberate stop leaves it down;
// a server that keeps dying is restarted at most the capped number of times, then left down.
// The last test starts it again so that nothing after this file finds it missing.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const vscode = require('vscode');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';
// vscode-languageclient's public State: 1 Stopped, 2 Running, 3 Starting.
const RUNNING = 2;
const STOPPED = 1;

async function waitFor(
  fn,
  { timeoutMs = 30000, intervalMs = 50, what = 'condition', describe = () => '' } = {},
) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${describe()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Checks `fn` stays truthy for `windowMs`, failing as soon as it does not. Proving that
 * something does not happen needs a window; this one is as long as a restart takes here.
 */
async function holds(fn, { windowMs = 3000, what = 'condition' } = {}) {
  const end = Date.now() + windowMs;
  while (Date.now() < end) {
    assert.ok(await fn(), `${what} stopped holding`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Our language server processes: children of this extension host running dist/server.js. */
function serverPids() {
  const pids = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (/dist[/\\]server\.js/.test(cmd)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

suite('language server lifecycle', () => {
  let api;
  let ls;

  suiteSetup(async function () {
    if (process.platform !== 'linux') {
      console.log('  skipped: finds the server process through /proc');
      this.skip();
    }
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
    ls = api.languageServer;
    await waitFor(() => ls.state === RUNNING, { what: 'the language server to run' });
  });

  suiteTeardown(async () => {
    if (ls && ls.state !== RUNNING) await ls.start();
  });

  test('a deliberate stop leaves the server down', async () => {
    const [pid] = await waitFor(() => serverPids().length === 1 && serverPids(), {
      what: 'one server process',
    });
    await ls.stop();
    await waitFor(() => serverPids().length === 0, { what: `server ${pid} to exit` });
    assert.strictEqual(ls.state, STOPPED);
    await holds(() => ls.state === STOPPED && serverPids().length === 0, {
      what: 'the stopped server staying down',
    });
    assert.strictEqual(ls.restarts, 0, 'a deliberate stop is not an unexpected exit');
    assert.strictEqual(api.session.running, false);

    await ls.start();
    assert.strictEqual(ls.state, RUNNING);
    assert.strictEqual(serverPids().length, 1);
  });

  test('a server killed again and again is restarted at most the capped number of times', async () => {
    assert.ok(ls.maxRestarts >= 1 && ls.maxRestarts <= 5, `cap ${ls.maxRestarts}`);
    const seen = new Set();
    for (let kill = 1; kill <= ls.maxRestarts + 2 && !ls.gaveUp; kill++) {
      const [pid] = await waitFor(
        () => {
          const p = serverPids();
          return ls.state === RUNNING && p.length === 1 && !seen.has(p[0]) && p;
        },
        { what: `a running server before kill ${kill}` },
      );
      seen.add(pid);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !serverPids().includes(pid), { what: `server ${pid} to die` });
      // Either the policy restarts it (a new pid, running) or it gives up.
      await waitFor(
        () =>
          ls.gaveUp ||
          (ls.restarts === kill && ls.state === RUNNING && serverPids().some((p) => !seen.has(p))),
        {
          what: `the restart policy to act on kill ${kill}`,
          describe: () =>
            `state ${ls.state}, restarts ${ls.restarts}, gaveUp ${ls.gaveUp}, servers ${serverPids()}`,
        },
      );
    }
    assert.strictEqual(ls.gaveUp, true, 'the policy gave up');
    // Usually exactly the cap; a connection that fails repeatedly can make it give up sooner.
    assert.ok(ls.restarts <= ls.maxRestarts, `${ls.restarts} restarts, cap ${ls.maxRestarts}`);
    assert.strictEqual(seen.size, ls.restarts + 1, 'one original server plus the restarts');
    await holds(() => ls.state !== RUNNING && serverPids().length === 0, {
      what: 'the given-up server staying down',
    });

    await ls.start();
    assert.strictEqual(ls.state, RUNNING);
    assert.strictEqual(ls.restarts, 0, 'a deliberate start resets the budget');
  });
});
