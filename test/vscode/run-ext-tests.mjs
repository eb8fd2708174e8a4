#!/usr/bin/env node
// Runs an extension-host test suite in a real VS Code (code-server), offline: the same contract
// as @vscode/test-electron's --extensionDevelopmentPath / --extensionTestsPath, which downloads
// VS Code and so cannot work here.
//
// How: the web workbench accepts a `payload` URL parameter naming the extension under development
// and the tests module (as vscode-remote:// URIs). The extension then runs in the server-side Node
// extension host, the module's run() is called there, whatever the host logs (mocha's reporter)
// reaches window.codeAutomationLog, and when run() settles the workbench calls
// window.codeAutomationExit(code). We define both with Playwright's exposeFunction.
//
// As a module:  const code = await runExtensionTests({ server, folder, extensionDevelopmentPath, extensionTestsPath })
//   where `server` is a handle from code-server.mjs start() (or its base URL string).
// As a script (starts and stops its own code-server):
//   node test/vscode/run-ext-tests.mjs --folder <workspace> [--extensionDevelopmentPath <repo root>]
//        [--extensionTestsPath test/vscode/suite] [--timeout 300] [--screenshot file.png]
// Exit code: the suite's (0 passed, 1 failed), 2 on timeout or an infrastructure error.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { launch, screenshot as takeScreenshot } from './driver.mjs';
import { remoteUri, start } from './code-server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const DEFAULT_TESTS_PATH = path.join(HERE, 'suite');

// Workbench chatter that says nothing about the tests (socket set-up, the offline gallery).
const NOISE =
  /Resolving connection token|Resolved connection token|Creating a socket|Service Worker|builtin extensions cache|ChatSessionStore|open-vsx\.org|ENOTFOUND|\[Extension Host\] \(node:\d+\)/;

/**
 * @returns {Promise<number>} 0 when every test passed, 1 when some failed, 2 on timeout/error.
 */
export async function runExtensionTests({
  server,
  folder,
  extensionDevelopmentPath = REPO_ROOT,
  extensionTestsPath = DEFAULT_TESTS_PATH,
  timeoutMs = 300000,
  screenshot,
  log = (line) => console.log(line),
  verbose = process.env.VERBOSE === '1',
}) {
  const base = (typeof server === 'string' ? server : server.server).replace(/\/$/, '');
  folder = path.resolve(folder ?? (typeof server === 'string' ? undefined : server.folder));
  const authority = new URL(base).host;
  const payload = [
    ['extensionDevelopmentPath', remoteUri(authority, extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(authority, extensionTestsPath)],
    ['skipWelcome', 'true'],
  ];
  const url = `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const t0 = Date.now();
  const { browser, page } = await launch();
  let timer;
  try {
    let settle;
    const done = new Promise((resolve) => {
      settle = resolve;
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = util.format(...(Array.isArray(args) ? args : [args]));
      if (!verbose && NOISE.test(line)) return;
      log(type === 'info' ? line : `[${type}] ${line}`);
    });
    if (verbose) page.on('console', (m) => m.type() === 'error' && log(`[browser] ${m.text()}`));
    await page.exposeFunction('codeAutomationExit', (code) => settle({ code }));
    timer = setTimeout(() => settle({ code: 2, timeout: true }), timeoutMs);
    page.on('crash', () => settle({ code: 2, error: 'the workbench page crashed' }));
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const res = await done;
    if (screenshot) await takeScreenshot(page, path.resolve(screenshot)).catch(() => {});
    log(
      `EXTENSION_TESTS_EXIT ${res.code}${res.timeout ? ` (timeout after ${timeoutMs} ms)` : ''}` +
        `${res.error ? ` (${res.error})` : ''} after ${Date.now() - t0} ms`,
    );
    return res.code;
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) a[argv[i].slice(2)] = argv[++i];
  }
  return a;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = parseArgs(process.argv.slice(2));
  if (!a.folder || !fs.existsSync(a.folder)) {
    console.error(
      'usage: node test/vscode/run-ext-tests.mjs --folder <workspace dir> [--extensionDevelopmentPath DIR] [--extensionTestsPath DIR] [--timeout s] [--screenshot file]',
    );
    process.exit(2);
  }
  let vscode;
  let code = 2;
  try {
    const extensionDevelopmentPath = path.resolve(a.extensionDevelopmentPath || REPO_ROOT);
    // The extension host inherits the server's environment, so ATMOS_EXPECT_LSP set for this
    // script reaches the suite.
    vscode = await start({ folder: a.folder, extensionDevelopmentPath });
    code = await runExtensionTests({
      server: vscode,
      folder: a.folder,
      extensionDevelopmentPath,
      extensionTestsPath: path.resolve(a.extensionTestsPath || DEFAULT_TESTS_PATH),
      timeoutMs: (Number(a.timeout) || 300) * 1000,
      screenshot: a.screenshot,
    });
  } catch (e) {
    console.error(e.stack || e);
  } finally {
    await vscode?.stop();
  }
  process.exit(code);
}
