// Cancelling a rollout from the real VS Code progress notification (issue 19): code-server
// 4.100.3 (VS Code 1.100.3), offline, driven by playwright-core and chromium. The language
// server inherits ATMOS_TEST_PAUSE_AT=checked from code-server's environment, so every rollout
// it runs stops after its checks, before its first write, until the test creates the release
// file. The drive promotes dev → staging from the palette, confirms the modal, clicks Cancel on
// the progress notification, then releases the server: the notification must say nothing was
// written, and git must show staging exactly as before. A second promotion, not cancelled,
// writes the records, so the pause itself is shown not to be what stopped the first.
// Run: node --test test/vscode/cancel-drive.test.mjs    (after `node esbuild.mjs`)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setup } from './setup.mjs';
import { pollUntil, start } from './code-server.mjs';
import * as d from './driver.mjs';
import { REPO_ROOT, CLI, OUT_DIR, SKIP_UNBUILT, run } from './drive-env.mjs';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace', 'deployments');

const skip = SKIP_UNBUILT;

/** The fixture's deployments in a git repository, with dev recorded and staging behind it. */
function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-cancel-ws-'));
  fs.cpSync(FIXTURE, path.join(ws, 'deployments'), { recursive: true });
  fs.rmSync(path.join(ws, 'deployments', 'broken.yaml'), { force: true });
  run(ws, 'git', ['init', '-q', '-b', 'main']);
  run(ws, 'git', ['add', '.']);
  run(ws, 'git', ['commit', '-q', '-m', 'deployments']);
  run(ws, process.execPath, [CLI, 'rollout', 'payment-service', '--target', 'dev']);
  return ws;
}

/** Every record of staging as git shows it: refs, tags and the status index. */
function stagingRecords(ws) {
  return run(ws, 'git', [
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    'refs/atmos/deployments/payment-service/staging/',
    'refs/atmos/index/payment-service/staging',
    'refs/tags/atmos/deployments/payment-service/staging/',
  ]);
}

test(
  'real VS Code: Cancel on the rollout progress notification stops it before anything is written',
  { skip, timeout: 10 * 60 * 1000 },
  async (t) => {
    await setup();
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const ws = makeWorkspace();
    const release = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-release-')), 'go');
    let vscode;
    let browser;
    try {
      vscode = await start({
        folder: ws,
        extensionDevelopmentPath: REPO_ROOT,
        env: { ATMOS_TEST_PAUSE_AT: 'checked', ATMOS_TEST_RELEASE_FILE: release },
      });
      const launched = await d.launch();
      browser = launched.browser;
      const page = launched.page;
      await page.goto(vscode.url, { waitUntil: 'domcontentloaded' });
      await d.waitForWorkbench(page);
      await d.openFile(page, 'deployments/payment-service.yaml');

      const promote = async () => {
        await d.runCommand(page, 'Atmos Deployments: Promote…');
        const pick = page
          .locator('.quick-input-widget .monaco-list-row', { hasText: 'staging' })
          .first();
        await pick.waitFor({ timeout: 60000 });
        await pick.click();
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ timeout: 60000 });
        await dialog.locator('.monaco-button', { hasText: 'Promote' }).first().click();
        // The progress notification, with its Cancel button.
        const toast = page.locator('.notifications-toasts .notification-list-item', {
          hasText: 'Cancel stops it before anything is written',
        });
        await toast.waitFor({ timeout: 60000 });
        return toast;
      };

      const before = stagingRecords(ws);
      const toast = await promote();
      await d.screenshot(page, path.join(OUT_DIR, 'cancel-progress.png'));
      // Give the server time to reach its pause (a cancel during its reads ends the same way).
      await new Promise((r) => setTimeout(r, 1500));
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      fs.writeFileSync(release, '');
      const said = await pollUntil(
        async () =>
          (await d.readNotifications(page)).find((m) =>
            /Cancelled before anything was written/.test(m),
          ),
        { timeoutMs: 60000, what: 'the cancelled notification' },
      );
      t.diagnostic(`notification: ${said}`);
      assert.match(
        said,
        /records of payment-service\/staging \(refs, tags, approvals\) are as they were/,
      );
      assert.equal(stagingRecords(ws), before, 'the cancelled rollout changed the records');
      await d.screenshot(page, path.join(OUT_DIR, 'cancel-done.png'));
      await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});

      // Not cancelled, the same promotion writes its records: the release file lets it go on.
      await promote();
      const done = await pollUntil(
        async () =>
          (await d.readNotifications(page)).find((m) =>
            /^Recorded the rollout of payment-service to staging from dev: .* \(no deploy command configured\)\./.test(
              m,
            ),
          ),
        { timeoutMs: 60000, what: 'the success notification' },
      );
      t.diagnostic(`notification: ${done}`);
      assert.notEqual(stagingRecords(ws), before, 'the second promotion wrote nothing');
    } finally {
      await browser?.close().catch(() => {});
      await vscode?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  },
);
