// `npm start` (scripts/start.mjs), run the way a user runs it: as its own process, on a fresh
// demo directory.
//   1. Web path (the real-editor test): ATMOS_START_WEB=1 makes start.mjs skip a desktop `code`
//      and start code-server. We wait for the printed URL, check it is on 127.0.0.1, open it in
//      chromium and check that the demo folder is open with our extension working: the code
//      lenses on deployments/payment-service.yaml and the Promotions view show the states that
//      the demo's recorded rollouts give (they need the client, the language server and the git
//      records). Then SIGTERM (what Ctrl+C amounts to): start.mjs must exit and take code-server
//      with it. A second start on the same demo must reuse it, not create it again.
//   2. Desktop path: only its command line is checked, with a recording `code` first on PATH.
//
// Building: start.mjs runs esbuild every time, which rewrites dist/ with the same bytes when the
// sources did not change. scripts/test.mjs builds before the stages and runs each stage's files
// one at a time (--test-concurrency=1), so no other editor test reads dist/ while this file
// rebuilds it. Run this file alone or with --test-concurrency=1 too: a code-server of another
// test file loading dist/client.js while esbuild rewrites it could read a half-written file.
// Run: node --test test/vscode/start.test.mjs
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setup } from './setup.mjs';
import { pollUntil } from './code-server.mjs';
import * as d from './driver.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const START = path.join(REPO_ROOT, 'scripts', 'start.mjs');
const OUT_DIR = path.join(REPO_ROOT, 'test-results', 'vscode');
// A fresh clone installs and builds first; code-server then needs a while on a 2-core machine.
const URL_TIMEOUT_MS = 180000;
const EXIT_TIMEOUT_MS = 20000;
const URL_LINE = /VS Code is running at:\s*\n\s*(\S+)/;

const children = new Set();

/** Starts `node scripts/start.mjs` with `env` over ours; collects its stdout and stderr. */
function runStart(env) {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  // node:test marks its children through this variable; start.mjs is not a test file. BROWSER
  // would make start.mjs open a browser of its own.
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.BROWSER;
  const child = spawn(process.execPath, [START], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (b) => (text += b));
  child.stderr.on('data', (b) => (text += b));
  const run = { child, exit: null, output: () => text };
  run.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      run.exit = { code, signal };
      children.delete(run);
      resolve(run.exit);
    }),
  );
  children.add(run);
  return run;
}

const lastLines = (text, n = 60) => text.trimEnd().split('\n').slice(-n).join('\n');

/** Waits for `re` in the child's output; fails early, with the output, if the child exits. */
async function waitForOutput(run, re, what, timeoutMs = URL_TIMEOUT_MS) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = run.output().match(re);
    if (m) return m;
    if (run.exit || Date.now() > end) {
      assert.fail(
        `${run.exit ? `start.mjs exited (${JSON.stringify(run.exit)})` : `timed out after ${timeoutMs / 1000} s`} ` +
          `before printing ${what}; its output:\n${lastLines(run.output())}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves with the exit status, or null when the child is still running after `ms`. */
function exitWithin(run, ms) {
  return Promise.race([run.exited, new Promise((r) => setTimeout(() => r(null), ms).unref())]);
}

/**
 * code-server state dirs that start.mjs's code-server.mjs made, found by the owner pid it
 * writes into each one: [{ dir, server }].
 */
function stateDirsOf(pid) {
  const out = [];
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith('atmos-vscode-')) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const [owner, server] = fs
        .readFileSync(path.join(dir, 'owner.pid'), 'utf8')
        .trim()
        .split(' ')
        .map(Number);
      if (owner === pid) out.push({ dir, server });
    } catch {
      // Not a state dir, or one being removed.
    }
  }
  return out;
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a start.mjs that is still running, and whatever code-server it left (SIGKILL last). */
async function stopStart(run) {
  if (run.exit) return;
  run.child.kill('SIGTERM');
  if (await exitWithin(run, EXIT_TIMEOUT_MS)) return;
  const left = stateDirsOf(run.child.pid);
  run.child.kill('SIGKILL');
  await run.exited;
  for (const { dir, server } of left) {
    try {
      process.kill(-server, 'SIGKILL');
    } catch {
      // Already gone.
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// If this process ends another way (a test timeout, Ctrl+C), start.mjs must not outlive it.
process.on('exit', () => {
  for (const run of children) run.child.kill('SIGKILL');
});

/** 'open' if something accepts TCP connections on host:port, 'closed' otherwise. */
function probe(host, port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (state) => {
      socket.destroy();
      resolve(state);
    };
    socket.setTimeout(timeoutMs, () => done('closed'));
    socket.once('connect', () => done('open'));
    socket.once('error', () => done('closed'));
  });
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** Texts of the code lenses shown in the active editor. */
async function codeLensTexts(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.editor-instance .monaco-editor .codelens-decoration'))
      .map((e) => e.innerText.replace(/\s+/g, ' ').trim())
      .filter(Boolean),
  );
}

async function waitForText(read, check, what, timeoutMs = 60000) {
  let last;
  await pollUntil(
    async () => {
      last = await read();
      return check(last);
    },
    { timeoutMs, intervalMs: 250, what },
  ).catch((e) => {
    e.message += `\nlast seen: ${JSON.stringify(last)}`;
    throw e;
  });
  return last;
}

test(
  'npm start (web): prints a 127.0.0.1 URL to a VS Code with the demo and the extension, stops on SIGTERM, reuses the demo',
  { timeout: 12 * 60 * 1000 },
  async (t) => {
    await setup();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-start-web-'));
    const demo = path.join(tmp, 'payments-repo');
    const env = { ATMOS_DEMO_DIR: demo, ATMOS_START_WEB: '1' };
    let run;
    try {
      const t0 = Date.now();
      run = runStart(env);
      const [, url] = await waitForOutput(run, URL_LINE, 'the "VS Code is running at:" URL');
      t.diagnostic(`first start printed ${url} after ${Date.now() - t0} ms`);
      const out = run.output();
      assert.ok(
        out.includes(`creating the demo repository in ${demo}`),
        `the first start creates the demo:\n${lastLines(out)}`,
      );
      assert.doesNotMatch(out, /could not record/, `a demo rollout failed:\n${lastLines(out)}`);

      // The demo has its history and its recorded rollouts.
      const refs = git(demo, 'for-each-ref', 'refs/atmos/');
      assert.notEqual(refs, '', 'the demo has refs under refs/atmos/');
      t.diagnostic(`demo: ${refs.split('\n').length} refs under refs/atmos/`);
      const head = git(demo, 'rev-parse', 'HEAD');

      // Served on loopback only.
      const u = new URL(url);
      assert.equal(u.hostname, '127.0.0.1', `the URL's host: ${url}`);
      assert.equal(u.searchParams.get('folder'), demo, 'the URL opens the demo folder');
      const port = Number(u.port);
      const lan = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (lan) {
        assert.equal(await probe(lan.address, port), 'closed', `port ${port} on ${lan.address}`);
      }
      const servers = stateDirsOf(run.child.pid);
      assert.equal(servers.length, 1, 'start.mjs started one code-server');

      // The workbench, with the demo folder and our extension working in it.
      const { browser, page, consoleLines } = await d.launch();
      try {
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        await d.waitForWorkbench(page);
        await d.openFile(page, 'deployments/payment-service.yaml');
        const title = await page.title();
        assert.match(title, /payments-repo/, `window title names the demo folder: ${title}`);
        await page
          .locator('.editor-instance .view-lines', { hasText: 'payment-service' })
          .first()
          .waitFor({ timeout: 30000 });
        // The lenses come from the language server, and their states from the demo's records:
        // dev has a newer build than staging, and prod was promoted from staging.
        const lenses = await waitForText(
          () => codeLensTexts(page),
          (l) => l.includes('dev → staging: ready') && l.includes('staging → prod: up to date'),
          'the code lenses "dev → staging: ready" and "staging → prod: up to date"',
        );
        t.diagnostic(`code lenses: ${lenses.join(' | ')}`);
        await d.runCommand(page, 'Atmos Deployments: Focus on Promotions View');
        const rows = await waitForText(
          () => d.readTreeView(page, 'Promotions', { minRows: 3 }),
          (r) =>
            r.some((x) => x.startsWith('payment-service')) &&
            r.some((x) => x.startsWith('experimental-feature')) &&
            r.some((x) => /staging → prod\s*up to date/.test(x)),
          'the Promotions view to list both demo deployments and staging → prod up to date',
        );
        t.diagnostic(`Promotions: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
        await d.screenshot(page, path.join(OUT_DIR, 'start-web.png'));
      } catch (e) {
        await d.screenshot(page, path.join(OUT_DIR, 'start-failure.png')).catch(() => {});
        e.message +=
          `\n--- browser console (last 20)\n${consoleLines.slice(-20).join('\n')}` +
          `\n--- start.mjs output\n${lastLines(run.output())}`;
        throw e;
      } finally {
        await browser.close();
      }

      // SIGTERM stops start.mjs, its code-server and everything in that server's group.
      const stopAt = Date.now();
      run.child.kill('SIGTERM');
      const exit = await exitWithin(run, EXIT_TIMEOUT_MS);
      assert.ok(exit, `start.mjs still running ${EXIT_TIMEOUT_MS / 1000} s after SIGTERM`);
      t.diagnostic(`exited ${JSON.stringify(exit)} ${Date.now() - stopAt} ms after SIGTERM`);
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.equal(await probe('127.0.0.1', port), 'closed', `port ${port} after SIGTERM`);
      assert.ok(!groupAlive(servers[0].server), 'no process of the code-server group is left');
      assert.ok(!fs.existsSync(servers[0].dir), 'the code-server state dir is removed');

      // A second start reuses the demo: no new repository, no new records.
      run = runStart(env);
      const [, url2] = await waitForOutput(run, URL_LINE, 'the URL on the second start');
      const out2 = run.output();
      assert.ok(
        out2.includes(`using the existing demo repository in ${demo}`),
        `the second start says it reuses the demo:\n${lastLines(out2)}`,
      );
      assert.doesNotMatch(out2, /creating the demo repository|recorded: /);
      assert.equal(git(demo, 'rev-parse', 'HEAD'), head, 'the demo history is unchanged');
      assert.equal(
        git(demo, 'for-each-ref', 'refs/atmos/'),
        refs,
        'the demo records are unchanged',
      );
      assert.equal(new URL(url2).hostname, '127.0.0.1');
      const servers2 = stateDirsOf(run.child.pid);
      run.child.kill('SIGTERM');
      assert.ok(await exitWithin(run, EXIT_TIMEOUT_MS), 'the second start stops on SIGTERM');
      assert.equal(await probe('127.0.0.1', Number(new URL(url2).port)), 'closed');
      for (const s of servers2) assert.ok(!groupAlive(s.server), 'second code-server is gone');
    } finally {
      if (run) await stopStart(run);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);

// Desktop VS Code cannot run on this machine (no display, and it cannot be installed offline), so
// this test does not open an editor: it puts a recording `code` first on PATH and checks the
// command line start.mjs hands to it. The web test above is the one that runs a real VS Code.
test(
  'npm start (desktop): runs `code --new-window --extensionDevelopmentPath=<repo> <demo>` and exits',
  { timeout: 5 * 60 * 1000 },
  async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-start-desktop-'));
    const bin = path.join(tmp, 'bin');
    const calls = path.join(tmp, 'code-calls.jsonl');
    const demo = path.join(tmp, 'payments-repo');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'code'),
      `#!${process.execPath}
// A stand-in for the desktop \`code\`: answers --version, records every other call.
const args = process.argv.slice(2);
if (args[0] === '--version') {
  console.log('1.100.3 (recording stand-in)');
  process.exit(0);
}
require('node:fs').appendFileSync(${JSON.stringify(calls)}, JSON.stringify(args) + '\\n');
`,
      { mode: 0o755 },
    );
    let run;
    try {
      run = runStart({
        ATMOS_DEMO_DIR: demo,
        ATMOS_START_WEB: undefined,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      });
      const exit = await exitWithin(run, 180000);
      const out = run.output();
      assert.ok(exit, `start.mjs did not exit within 180 s; its output:\n${lastLines(out)}`);
      assert.deepEqual(exit, { code: 0, signal: null }, `start.mjs failed:\n${lastLines(out)}`);
      const lines = fs.existsSync(calls)
        ? fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean)
        : [];
      t.diagnostic(`code was called with: ${lines.join(' ; ')}`);
      assert.deepEqual(
        lines.map((l) => JSON.parse(l)),
        [['--new-window', `--extensionDevelopmentPath=${REPO_ROOT}`, demo]],
        `start.mjs output:\n${lastLines(out)}`,
      );
      assert.match(out, /opening it in VS Code \(desktop\)/);
      assert.doesNotMatch(out, /code-server|VS Code is running at/);
      assert.deepEqual(stateDirsOf(run.child.pid), [], 'no code-server was started');
      assert.notEqual(git(demo, 'for-each-ref', 'refs/atmos/'), '', 'the demo has its records');
    } finally {
      if (run) await stopStart(run);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
