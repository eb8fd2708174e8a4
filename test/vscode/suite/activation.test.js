// Runs inside the VS Code extension host (see index.js): the extension loads, activates, and
// its language server reports problems in a deployment file.
'use strict';
const assert = require('node:assert');
const vscode = require('vscode');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';

/** Polls `fn` until it returns something truthy, failing with `what` after the deadline. */
async function waitFor(fn, { timeoutMs = 60000, intervalMs = 200, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

suite('activation', () => {
  test('the extension is installed and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this VS Code`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true, 'extension did not become active');
    console.log(
      `vscode ${vscode.version}, node ${process.versions.node}, remoteName=${vscode.env.remoteName}`,
    );
  });

  // The language server publishes diagnostics, so this runs by default; ATMOS_EXPECT_LSP=0 in
  // the environment of the VS Code being tested skips it (client work without a server).
  test('LSP: deployments/broken.yaml gets an atmos-deployments diagnostic', async function () {
    if (process.env.ATMOS_EXPECT_LSP === '0') {
      console.log('  skipped: ATMOS_EXPECT_LSP=0');
      this.skip();
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    const uri = vscode.Uri.joinPath(folder.uri, 'deployments', 'broken.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ours = await waitFor(
      () => {
        const d = vscode.languages
          .getDiagnostics(uri)
          .filter((x) => x.source === 'atmos-deployments');
        return d.length ? d : null;
      },
      { timeoutMs: 60000, what: `a diagnostic with source 'atmos-deployments' on ${uri.path}` },
    );
    console.log(`  diagnostics: ${ours.map((d) => `${d.code}: ${d.message}`).join(' | ')}`);
    // Any diagnostic would prove only that something published: the file's one mistake must be
    // reported with its code, its words and its place (prod's `allowed_from`, 0-based line 13).
    assert.strictEqual(ours.length, 1, 'broken.yaml has exactly one mistake');
    const [d] = ours;
    assert.strictEqual(
      String(typeof d.code === 'object' ? d.code.value : d.code),
      'promotion-exclusive',
    );
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /Target 'prod': cannot specify both 'from' and 'allowed_from'/);
    assert.strictEqual(d.range.start.line, 13);
  });
});
