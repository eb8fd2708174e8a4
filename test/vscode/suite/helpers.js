// Helpers shared by the in-host suites (the older suites still carry their own copies).
'use strict';
const vscode = require('vscode');

/** Polls `fn` every 100 ms until it returns something truthy, or fails after `timeoutMs`. */
async function waitFor(fn, { timeoutMs = 30000, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first workspace folder's path. */
function folder() {
  return vscode.workspace.workspaceFolders[0].uri.fsPath;
}

module.exports = { waitFor, folder };
