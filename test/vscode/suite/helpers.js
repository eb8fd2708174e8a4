// Helpers shared by the in-host suites.
'use strict';
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const vscode = require('vscode');

/** Polls `fn` until it returns something truthy, failing with `what` after the deadline. */
async function waitFor(fn, { timeoutMs = 30000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The first workspace folder's path. */
function folder() {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder is open');
  return f.uri.fsPath;
}

/** git in the workspace, for setting it up and reading the records a command left. */
function git(...args) {
  return execFileSync('git', args, {
    cwd: folder(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

module.exports = { waitFor, folder, git };
