// Extension-host test entry: the module that --extensionTestsPath names. It follows the
// @vscode/test-electron contract (export run(): Promise<void>), so the same suite runs in desktop
// VS Code through runTest.mjs and in code-server through run-ext-tests.mjs. It is CommonJS
// because the extension host loads it with require().
'use strict';
const fs = require('node:fs');
const path = require('node:path');
// mocha@11 is CommonJS; mocha@12 is ESM-only and require('mocha') would not be a constructor.
const Mocha = require('mocha');

/** Runs every `*.test.js` directly in `dir` (not in its subfolders) with mocha. */
function runSuite(dir) {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    reporter: 'spec',
    timeout: 120000,
    // ATMOS_TEST_GREP narrows a run to matching test titles while working on one feature.
    grep: process.env.ATMOS_TEST_GREP || undefined,
  });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) =>
        failures ? reject(new Error(`${failures} test(s) failed`)) : resolve(),
      );
    } catch (e) {
      reject(e);
    }
  });
}

exports.runSuite = runSuite;
exports.run = () => runSuite(__dirname);
