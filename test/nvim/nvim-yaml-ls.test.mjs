// Checks the headless Neovim LSP client (nvim.mjs + lsp_client.lua) against a known server,
// yaml-language-server, before our own server relies on it: a duplicate key must come back as
// a diagnostic with the right position.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findNvim, runNvimDiagnostics } from './nvim.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const YAML_LS = path.join(
  REPO_ROOT,
  'node_modules',
  'yaml-language-server',
  'bin',
  'yaml-language-server',
);
// What these tests need is installed (npm test's editors stage runs setup.mjs; the server is a
// devDependency), so a missing piece fails them with its remedy instead of skipping.
function assertRunnable() {
  assert.ok(findNvim(), 'nvim is not installed: node test/vscode/setup.mjs installs it');
  assert.ok(fs.existsSync(YAML_LS), 'yaml-language-server is not installed: run npm ci');
}

test(
  'headless nvim gets the duplicate-key diagnostic from yaml-language-server',
  { timeout: 60000 },
  async () => {
    assertRunnable();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-nvim-yaml-'));
    try {
      const file = path.join(dir, 'dup.yaml');
      fs.writeFileSync(file, 'name: a\ntargets:\n  dev: {}\nname: b\n');
      const diags = await runNvimDiagnostics({
        serverCmd: [process.execPath, YAML_LS, '--stdio'],
        file,
        settings: { yaml: { validate: true, schemaStore: { enable: false } } },
        minCount: 1,
      });
      const dup = diags.find((d) => /Map keys must be unique/.test(d.message));
      assert.ok(dup, `no duplicate-key diagnostic in ${JSON.stringify(diags)}`);
      assert.equal(dup.range.start.line, 3, 'the second `name` (0-based line 3) is flagged');
      assert.equal(dup.severity, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('headless nvim reports a server that cannot start', { timeout: 60000 }, async () => {
  assertRunnable();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-nvim-yaml-'));
  try {
    const file = path.join(dir, 'ok.yaml');
    fs.writeFileSync(file, 'a: 1\n');
    await assert.rejects(
      runNvimDiagnostics({ serverCmd: [path.join(dir, 'no-such-server')], file, timeoutMs: 5000 }),
      // Only the client's own report that the server did not start proves it noticed: a
      // timeout would also come from a client that never checks.
      (err) => {
        assert.match(err.message, /nvim LSP client: the server did not start or exited/);
        assert.equal(err.code, 3);
        return true;
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
