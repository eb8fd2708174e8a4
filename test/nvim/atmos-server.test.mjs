// Runs our language server in headless Neovim (a real LSP editor other than VS Code) and checks
// that it shows exactly the diagnostics the core (and so the CLI) computes for the same file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findNvim, runNvimDiagnostics } from './nvim.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = path.join(REPO_ROOT, 'dist', 'server.js');
// What these tests need is installed (npm test's editors stage runs setup.mjs) and built, so a
// missing piece fails them with its remedy instead of skipping: a skip would pass unchecked.
function assertRunnable() {
  assert.ok(findNvim(), 'nvim is not installed: node test/vscode/setup.mjs installs it');
  assert.ok(fs.existsSync(SERVER), 'dist/server.js is not built: run node esbuild.mjs');
}

// The core is TypeScript; the test runner loads it through tsx (npm test passes --import tsx).
const core = await import('../../server/src/core/index.ts');

const CASES = {
  'cycle-and-unknown.yaml': `deployment:
  name: nvim-check
  targets:
    dev:
      promotion:
        from: prod
    staging:
      promotion:
        allowed_from: [dev, dev, qa]
    prod:
      promotion:
        from: staging
        requires_approval: yes
        colour: blue
`,
  'syntax.yaml': 'deployment:\n  name: broken\n  targets: [dev\n',
};

for (const [name, text] of Object.entries(CASES)) {
  test(`nvim shows the same diagnostics as core for ${name}`, { timeout: 60000 }, async () => {
    assertRunnable();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-nvim-server-'));
    try {
      const file = path.join(dir, 'deployments', name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      const expected = core.validateText(text, file);
      assert.ok(expected.length > 0, 'the case has problems to compare');
      const diags = await runNvimDiagnostics({
        serverCmd: [process.execPath, SERVER, '--stdio'],
        file,
        rootDir: dir,
        minCount: 1,
      });
      const shape = (d) => [
        d.code,
        d.severity,
        d.message,
        d.range.start.line,
        d.range.start.character,
        d.range.end.line,
        d.range.end.character,
      ];
      assert.deepEqual(
        diags.map(shape),
        expected.map((p) =>
          shape({
            code: p.code,
            severity: p.severity === 'error' ? 1 : 2,
            message: p.message,
            range: p.range,
          }),
        ),
      );
      for (const d of diags) assert.equal(d.source, 'atmos-deployments');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
