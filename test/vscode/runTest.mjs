#!/usr/bin/env node
// Runs the extension-host suite (test/vscode/suite) in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code (a developer laptop, CI with
// internet). It downloads VS Code at run time, so `npm test` does not use it here; offline we run
// the same suite in code-server with run-ext-tests.mjs, which follows the same contract.
//
//   node test/vscode/runTest.mjs [--version 1.100.3] [--folder <workspace>]
// It builds nothing: run `node esbuild.mjs` first so that dist/client.js exists.
// Under Linux without a display, wrap it in `xvfb-run -a`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'client.js'))) {
  console.error('dist/client.js is missing: build the extension first (node esbuild.mjs)');
  process.exit(2);
}

// Same fixture as the code-server e2e: a copy, so that tests may edit files freely.
let workspace = arg('folder');
let tempWorkspace;
if (!workspace) {
  tempWorkspace = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-electron-ws-'));
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace'), tempWorkspace, {
    recursive: true,
  });
  workspace = tempWorkspace;
}

let code = 0;
try {
  code = await runTests({
    // The version the project targets (engines.vscode ^1.100.0) and code-server 4.100.3 runs.
    version: arg('version') || '1.100.3',
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: path.join(HERE, 'suite', 'index.js'),
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-workspace-trust',
    ],
    extensionTestsEnv: { ATMOS_EXPECT_LSP: process.env.ATMOS_EXPECT_LSP ?? '' },
  });
} catch (e) {
  console.error(`VS Code tests failed to run: ${e.message || e}`);
  code = 1;
} finally {
  if (tempWorkspace) fs.rmSync(tempWorkspace, { recursive: true, force: true });
}
process.exit(code);
