// `npm start` (scripts/start.mjs), run the way a user runs it: as its own process, on a fresh
// demo directory.
//   1. Web path (the real-editor test): ATMOS_START_WEB=1 makes start.mjs skip a desktop `code`
//      and start code-server. We wait for the printed URL, check it is on 127.0.0.1, open it in
//      chromium and check that the demo folder is open with our extension working: the code
//      lenses on deployments/payment-service.yaml and the Promotions view show the states that
//      the demo's recorded rollouts give (they need the client, the language server and the git
//      records). Then Compare Targets from the palette, as a user runs it, through the built-in
//      Git extension: staging with dev, then dev with staging, must each open the multi-file
//      changes editor listing what `git diff --name-only <sha> <sha>` lists, each file's sides
//      at the two recorded SHAs, and not the fallback Markdown. Then SIGTERM (what Ctrl+C
//      amounts to): start.mjs must exit and take code-server with it. A second start on the same demo must reuse it, not create it again.
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
  // Where start.mjs and its code-server put their temp files.
  const tmpdir = childEnv.TMPDIR || os.tmpdir();
  const run = { child, tmpdir, exit: null, output: () => text };
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
 * code-server state dirs that the start.mjs of `run` made (through code-server.mjs), found by
 * the owner pid it writes into each one: [{ dir, server }].
 */
function stateDirsOf(run) {
  const pid = run.child.pid;
  const out = [];
  for (const name of fs.readdirSync(run.tmpdir)) {
    if (!name.startsWith('atmos-vscode-')) continue;
    const dir = path.join(run.tmpdir, name);
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
  const left = stateDirsOf(run);
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

/** The SHA each target of the demo's payment-service runs, from the CLI: { dev, staging }. */
function recordedShas(demo) {
  const status = JSON.parse(
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist', 'cli.js'),
        'promotion-status',
        'payment-service',
        '--cwd',
        demo,
        '--format',
        'json',
      ],
      { encoding: 'utf8' },
    ),
  );
  const edge = status.edges.find((e) => e.from === 'dev' && e.to === 'staging');
  const change = edge?.changes?.[0];
  assert.ok(change, `promotion-status shows dev → staging with changes: ${JSON.stringify(edge)}`);
  return { dev: change.sourceSha, staging: change.targetSha };
}

/** What a `git:` URI of the git extension points at: its query is JSON { path, ref }. */
function gitQuery(uri) {
  if (!uri?.startsWith('git:')) return {};
  return JSON.parse(decodeURIComponent(uri.slice(uri.indexOf('?') + 1)));
}

/**
 * Runs Compare Targets from the palette, picks payment-service, `from` and `to`, and waits for
 * the changes editor titled `payment-service: <from> (<sha>) ↔ <to> (<sha>)` to list `files`,
 * each with its original side at `shas[from]` and its modified side at `shas[to]` (`files` are
 * paths relative to `demo`, changed on both sides). Returns the tab title and the entries.
 */
async function compareFromPalette(page, demo, from, to, shas, files) {
  // From a file that is not a deployment file, the command asks which deployment (from
  // payment-service.yaml it would take that one without asking).
  await d.openFile(page, 'README.md');
  await d.runCommand(page, 'Atmos Deployments: Compare Targets');
  await d.pickQuickItem(page, 'payment-service', { title: 'Deployment' });
  await d.pickQuickItem(page, from, { title: 'Compare from' });
  await d.pickQuickItem(page, to, { title: `Compare ${from} with` });
  const title = `payment-service: ${from} (${shas[from].slice(0, 7)}) ↔ ${to} (${shas[to].slice(0, 7)})`;
  const tabs = await waitForText(
    () => d.readTabs(page),
    (t) => t.active.includes(title),
    `the active tab to be the changes editor "${title}"`,
    30000,
  );
  const entries = await waitForText(
    () => d.readMultiDiffEntries(page),
    (e) =>
      e.length === files.length &&
      e.every(
        (x) => gitQuery(x.original).ref === shas[from] && gitQuery(x.modified).ref === shas[to],
      ),
    `the changes editor to list ${files.join(', ')}, each at ${from} ${shas[from]} ↔ ${to} ${shas[to]}`,
    30000,
  ).catch(async (e) => {
    e.message += `\nactive tab: ${(await d.readTabs(page)).active}`;
    throw e;
  });
  assert.deepEqual(
    entries.map((e) => path.relative(demo, gitQuery(e.modified).path)).sort(),
    [...files].sort(),
    'the changes editor lists the files git diff lists',
  );
  for (const e of entries) {
    const name = path.basename(gitQuery(e.modified).path);
    assert.ok(e.file.startsWith(name), `the entry of ${name} is labelled with it: ${e.file}`);
  }
  // The fallback is a read-only Markdown report (tab "payment-service staging vs dev.md", an
  // untitled document before); the command opens it only when the diff could not be shown, so
  // now that the diff is open there must be none.
  const fallback = (await d.readTabs(page)).tabs.filter((l) =>
    /^Untitled-\d|^\S+ \S+ vs \S+\.md\b/.test(l),
  );
  assert.deepEqual(fallback, [], 'the fallback Markdown document did not open');
  const text = await page.locator('.part.editor').innerText();
  assert.doesNotMatch(text, /Commit range|Git extension is not available/, 'no fallback text');
  return { tab: tabs.active, entries };
}

test(
  'npm start (web): prints a 127.0.0.1 URL to a VS Code with the demo and the extension (lenses, Promotions, Compare Targets diff), stops on SIGTERM, reuses the demo',
  { timeout: 12 * 60 * 1000 },
  async (t) => {
    await setup();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-start-web-'));
    const demo = path.join(tmp, 'payments-repo');
    // code-server, its extension host and the git extension leave sockets in $TMPDIR
    // (vscode-ipc-*.sock, vscode-git-*.sock) when they are stopped; a TMPDIR of this test's
    // own takes them away with the demo.
    const childTmp = path.join(tmp, 'tmp');
    fs.mkdirSync(childTmp);
    const env = { ATMOS_DEMO_DIR: demo, ATMOS_START_WEB: '1', TMPDIR: childTmp };
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
      const servers = stateDirsOf(run);
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
        // dev runs a build two commits newer than staging, and prod was promoted from staging.
        const lenses = await waitForText(
          () => codeLensTexts(page),
          (l) =>
            l.includes('dev → staging: 2 commits ahead') &&
            l.includes('staging → prod: up to date'),
          'the code lenses "dev → staging: 2 commits ahead" and "staging → prod: up to date"',
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

        // Compare Targets through the built-in Git extension (start.mjs turns git.enabled on),
        // both ways round: the older target first, then the newer one first.
        const shas = recordedShas(demo);
        const changed = git(demo, 'diff', '--name-only', shas.staging, shas.dev)
          .split('\n')
          .filter(Boolean);
        t.diagnostic(
          `staging ${shas.staging.slice(0, 7)}, dev ${shas.dev.slice(0, 7)}; git diff --name-only: ${changed.join(', ')}`,
        );
        assert.ok(
          changed.includes('CHANGES.md'),
          `the demo's commits change CHANGES.md: ${changed}`,
        );
        for (const [from, to] of [
          ['staging', 'dev'],
          ['dev', 'staging'],
        ]) {
          const shown = Date.now();
          const { tab, entries } = await compareFromPalette(page, demo, from, to, shas, changed);
          t.diagnostic(
            `compare ${from} ↔ ${to}: "${tab}" listing ${entries.map((e) => e.file).join(', ')} (step: ${Date.now() - shown} ms)`,
          );
          await d.screenshot(page, path.join(OUT_DIR, `start-compare-${from}-${to}.png`));
        }
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
      const servers2 = stateDirsOf(run);
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
      assert.deepEqual(stateDirsOf(run), [], 'no code-server was started');
      assert.notEqual(git(demo, 'for-each-ref', 'refs/atmos/'), '', 'the demo has its records');
    } finally {
      if (run) await stopStart(run);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
