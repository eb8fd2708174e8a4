// End-to-end in a real VS Code (code-server 4.100.3 = VS Code 1.100.3), offline:
//   1. the extension-host mocha suite in test/vscode/suite must exit 0;
//   2. a Playwright drive of the workbench opens deployments/payment-service.yaml and takes
//      screenshots in the light and the dark theme under test-results/vscode/.
// Run: node --test test/vscode/e2e.test.mjs    (after `node esbuild.mjs`; it builds nothing itself)
// Env: the language server's diagnostics are required (in the suite and in the Problems panel);
//      ATMOS_EXPECT_LSP=0 skips those checks when working on the client without a server.
//      ATMOS_VSCODE_KEEP=1 keeps the server's temp dir (logs) after the run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setup } from './setup.mjs';
import { start } from './code-server.mjs';
import * as d from './driver.mjs';
import { runExtensionTests } from './run-ext-tests.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');
const OUT_DIR = path.join(REPO_ROOT, 'test-results', 'vscode');
const EXPECT_LSP = process.env.ATMOS_EXPECT_LSP !== '0';
const THEMES = [
  { name: 'Default Light Modern', kind: 'light' },
  { name: 'Default Dark Modern', kind: 'dark' },
];

const skip = fs.existsSync(path.join(REPO_ROOT, 'dist', 'client.js'))
  ? false
  : 'dist/client.js is missing: build the extension first (node esbuild.mjs)';

test(
  'real VS Code: extension-host suite and UI drive',
  { skip, timeout: 15 * 60 * 1000 },
  async (t) => {
    const t0 = Date.now();
    await setup();
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-e2e-ws-'));
    fs.cpSync(path.join(FIXTURE, 'deployments'), path.join(workspace, 'deployments'), {
      recursive: true,
    });
    // A git repository with a commit and an identity, as a user's would be: the in-host tests
    // of rollouts, approvals, rollbacks and Compare Targets record into it (they skip, and say
    // so, only where there is no repository).
    const git = (...args) =>
      execFileSync('git', args, { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'E2E Tester');
    git('config', 'user.email', 'e2e@example.com');
    git('add', '.');
    git('commit', '-q', '-m', 'Deployments of the e2e workspace');
    fs.mkdirSync(OUT_DIR, { recursive: true });
    let vscode;
    // Subtest failures do not throw here, so each subtest adds the server's log to its own error.
    const serverLog = () =>
      vscode
        ? `--- code-server log (${vscode.logFile})\n${vscode.readLog().split('\n').slice(-30).join('\n')}`
        : '';
    try {
      vscode = await start({
        folder: workspace,
        extensionDevelopmentPath: REPO_ROOT,
        theme: THEMES[0].name,
      });
      t.diagnostic(`code-server ${vscode.version} on ${vscode.server} after ${Date.now() - t0} ms`);

      await t.test('extension-host mocha suite exits 0', async () => {
        const lines = [];
        const code = await runExtensionTests({
          server: vscode,
          extensionDevelopmentPath: REPO_ROOT,
          log: (line) => {
            lines.push(line);
            console.log(line);
          },
        });
        assert.equal(code, 0, `in-host suite exited ${code}:\n${lines.join('\n')}\n${serverLog()}`);
        // The workspace has everything every in-host test needs, so a skip here means a test
        // stopped running without anyone noticing (mocha counts skips as pending).
        const pending = lines.filter((l) => /\d+ pending|skipped:/.test(l));
        assert.deepEqual(pending, [], 'no in-host test may skip in this workspace');
      });

      await t.test(
        'UI: open payment-service.yaml, screenshots in light and dark theme',
        async () => {
          const { browser, page, consoleLines } = await d.launch();
          try {
            await page.goto(vscode.url, { waitUntil: 'domcontentloaded' });
            await d.waitForWorkbench(page);
            await d.openFile(page, path.join(workspace, 'deployments', 'payment-service.yaml'));
            await page
              .locator('.editor-instance .view-lines', { hasText: 'payment-service' })
              .first()
              .waitFor({ timeout: 30000 });

            for (const theme of THEMES) {
              if ((await d.themeKind(page)) !== theme.kind) await d.setColorTheme(page, theme.name);
              await d.waitForThemeApplied(page, theme.kind);
              await d.waitForEditorTokens(page);
              assert.equal(await d.themeKind(page), theme.kind);
              const file = await d.screenshot(
                page,
                path.join(OUT_DIR, `payment-service-${theme.kind}.png`),
              );
              assert.ok(fs.statSync(file).size > 10000, `${file} looks empty`);
              t.diagnostic(`screenshot ${path.relative(REPO_ROOT, file)}`);
            }

            if (EXPECT_LSP) {
              await d.openFile(page, path.join(workspace, 'deployments', 'broken.yaml'));
              await d.showProblems(page);
              const rows = await d.readProblems(page, {
                waitFor: (text) => text.includes('atmos-deployments'),
                timeout: 60000,
              });
              t.diagnostic(`problems: ${rows.join(' | ')}`);
              // The panel must show the file's one mistake as VS Code lays it out: the message,
              // our source with the code, and the position (line 14, column 9, one-based).
              const ours = rows.filter((r) => r.includes('atmos-deployments'));
              assert.equal(ours.length, 1, `one row of ours in Problems: ${rows.join(' | ')}`);
              assert.match(
                ours[0],
                /Target 'prod': cannot specify both 'from' and 'allowed_from'.* atmos-deployments\W*promotion-exclusive\W*\[Ln 14, Col 9\]$/,
              );
              assert.ok(
                rows.some((r) => /^broken\.yaml.*\b1$/.test(r)),
                `a file row for broken.yaml with one problem: ${rows.join(' | ')}`,
              );
              await d.screenshot(page, path.join(OUT_DIR, 'broken-problems.png'));
            }
          } catch (e) {
            await d.screenshot(page, path.join(OUT_DIR, 'failure.png')).catch(() => {});
            e.message += `\n--- browser console (last 20)\n${consoleLines.slice(-20).join('\n')}\n${serverLog()}`;
            throw e;
          } finally {
            await browser.close();
          }
        },
      );
    } finally {
      await vscode?.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
      t.diagnostic(`total ${Date.now() - t0} ms`);
    }
  },
);
