// The deploy step of a Promote in the real VS Code (issue 20): code-server 4.100.3 (VS Code
// 1.100.3), offline, driven by playwright-core and chromium. With the deployCommand setting
// set, the drive promotes dev → staging from the palette and confirms the modal; the language
// server runs the command for each component in dependency waves (api depends on database, so
// database and worker come first), and the drive reads its prefixed output, the wave lines
// and the outcome from the task's terminal (xterm's DOM rows: GPU acceleration is off), the
// per-wave progress notification, the result notification, and the records from git. Then it
// opens the graph and turns on "Show component dependencies".
// Run: node --test test/vscode/deploy-drive.test.mjs    (after `node esbuild.mjs`)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setup } from './setup.mjs';
import { pollUntil, start } from './code-server.mjs';
import * as d from './driver.mjs';
import { REPO_ROOT, CLI, OUT_DIR, SKIP_UNBUILT, run } from './drive-env.mjs';

const skip = SKIP_UNBUILT;

const DEPLOYMENT = `deployment:
  name: payment-service
  components:
    terraform:
      database: {}
    helmfile:
      api:
        metadata: { depends_on: [terraform/database] }
      worker: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
    eu:
      promotion:
        from: staging
`;

// Each component says what it deploys and takes a second, so every wave is on screen a while;
// api on prod and on eu hangs, for the drive to cancel it (from the progress notification, and
// with Ctrl+C in the task's terminal).
const COMMAND =
  'echo "deploying $ATMOS_COMPONENT to $ATMOS_TARGET"; sleep 1; case "$ATMOS_TARGET/$ATMOS_COMPONENT" in prod/api|eu/api) sleep 120;; esac';

/** The deployment in a git repository, with dev recorded and staging empty. */
function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-deploy-ws-'));
  fs.mkdirSync(path.join(ws, 'deployments'));
  fs.writeFileSync(path.join(ws, 'deployments', 'payment-service.yaml'), DEPLOYMENT);
  run(ws, 'git', ['init', '-q', '-b', 'main']);
  run(ws, 'git', ['add', '.']);
  run(ws, 'git', ['commit', '-q', '-m', 'deployments']);
  run(ws, process.execPath, [CLI, 'rollout', 'payment-service', '--target', 'dev']);
  return ws;
}

/** The text of every row the terminal panel's xterm renders now. */
function terminalRows(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.terminal-wrapper .xterm-rows > div')).map((e) =>
      e.textContent.replace(/\u00a0/g, ' ').trimEnd(),
    ),
  );
}

test(
  'real VS Code: Promote with a deploy command shows its output in the terminal, wave by wave',
  { skip, timeout: 10 * 60 * 1000 },
  async (t) => {
    await setup();
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const ws = makeWorkspace();
    let vscode;
    let browser;
    try {
      vscode = await start({
        folder: ws,
        extensionDevelopmentPath: REPO_ROOT,
        settings: {
          'atmosDeployments.deployCommand': COMMAND,
          'terminal.integrated.gpuAcceleration': 'off',
        },
      });
      const launched = await d.launch();
      browser = launched.browser;
      const page = launched.page;
      await page.goto(vscode.url, { waitUntil: 'domcontentloaded' });
      await d.waitForWorkbench(page);
      await d.openFile(page, 'deployments/payment-service.yaml');

      /** Promote… to `target`, confirmed in the modal; resolves with the modal's text. */
      const promote = async (target) => {
        await d.runCommand(page, 'Atmos Deployments: Promote…');
        const pick = page
          .locator('.quick-input-widget .monaco-list-row', { hasText: target })
          .first();
        await pick.waitFor({ timeout: 60000 });
        await pick.click();
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ timeout: 60000 });
        const text = await dialog.innerText();
        await dialog.locator('.monaco-button', { hasText: 'Promote' }).first().click();
        return text;
      };
      const modal = await promote('staging');
      assert.match(modal, /The deploy command runs for each component, in dependency waves/);

      // The terminal shows only its viewport's rows, so every row seen while it runs is kept.
      const seen = new Set();
      const progress = new Set();
      await pollUntil(
        async () => {
          for (const row of await terminalRows(page)) if (row) seen.add(row);
          for (const m of await d.readNotifications(page))
            if (/Deploying wave/.test(m)) progress.add(m);
          return [...seen].some((r) => /^Rolled out payment-service to staging/.test(r));
        },
        { timeoutMs: 120000, intervalMs: 150, what: 'the outcome in the deploy terminal' },
      );
      await d.screenshot(page, path.join(OUT_DIR, 'deploy-terminal.png'));
      const rows = [...seen];
      t.diagnostic(`terminal rows:\n${rows.join('\n')}`);
      t.diagnostic(`progress: ${[...progress].join(' | ')}`);
      for (const c of ['database', 'worker', 'api'])
        assert.ok(rows.includes(`${c} | deploying ${c} to staging`), `no output of ${c}`);
      assert.ok(rows.includes('→ Deploying to staging...'), 'no deploying line');
      assert.ok(rows.includes('→ Wave 1 of 2: database, worker'), 'no first wave line');
      assert.ok(rows.includes('→ Wave 2 of 2: api'), 'no second wave line');
      // api's output comes after its wave began: it ran after what it depends on.
      assert.ok(
        [...progress].some((m) => /Deploying wave 2\/2: api/.test(m)),
        'no wave progress',
      );

      const done = await pollUntil(
        async () =>
          (await d.readNotifications(page)).find((m) =>
            /^Rolled out payment-service to staging from dev/.test(m),
          ),
        { timeoutMs: 60000, what: 'the result notification' },
      );
      t.diagnostic(`notification: ${done}`);
      assert.doesNotMatch(done, /no deploy command configured/);
      assert.match(done, /Deployed in 2 waves: database, worker → api\.$/);
      const statuses = run(ws, 'git', [
        'for-each-ref',
        '--format=%(contents)',
        'refs/tags/atmos/deployments/payment-service/staging/',
      ]);
      assert.equal((statuses.match(/^status: success$/gm) ?? []).length, 3, statuses);

      // The graph shows the components' dependencies on demand: per target, by wave, with the
      // SHA now deployed there and an arrow from database to api.
      await d.runCommand(page, 'Atmos Deployments: Show Graph');
      const graph = page
        .frameLocator('iframe.webview.ready')
        .last()
        .frameLocator('iframe#active-frame');
      const toggle = graph.locator('#toggle-dependencies');
      await toggle.waitFor({ timeout: 60000 });
      assert.equal(await graph.locator('#dependencies').count(), 0, 'shown before asked');
      await toggle.click();
      const text = await d.readWebview(page, '#dependencies');
      t.diagnostic(`dependencies:\n${text}`);
      const sha = run(ws, 'git', ['rev-parse', '--short=7', 'HEAD']);
      const staging = graph.locator('.dependency-diagram[data-target="staging"]');
      assert.match(await staging.innerText(), new RegExp(`api\\s+helmfile · ${sha}`));
      assert.equal(
        await staging.locator('.dep-link[data-from="database"][data-to="api"]').count(),
        1,
        'no arrow from database to api',
      );
      const x = async (c) =>
        Number(
          /translate\(([\d.]+),/.exec(
            await staging.locator(`.dep-box[data-component="${c}"]`).getAttribute('transform'),
          )[1],
        );
      assert.ok((await x('api')) > (await x('database')), 'api is not drawn after database');
      assert.equal(await x('worker'), await x('database'), 'worker is not in the first wave');
      assert.equal(await graph.locator('.dependency-diagram').count(), 4, 'not one per target');
      // Only framing for the screenshot: the graph re-renders when the records change (the
      // promotion above lands its refs), which can replace the section under the locator, so
      // it is tried again rather than failing the drive.
      for (let i = 0; i < 5; i++) {
        const ok = await graph
          .locator('#dependencies')
          .scrollIntoViewIfNeeded({ timeout: 5000 })
          .then(() => true)
          .catch(() => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      await d.screenshot(page, path.join(OUT_DIR, 'deploy-dependencies.png'));

      // Cancel while api hangs on prod: api is stopped, and database and worker, which
      // finished, are recorded with it in the one transaction; the result says which ran.
      await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
      await promote('prod');
      const toast = page.locator('.notifications-toasts .notification-list-item', {
        hasText: 'Deploying wave 2/2: api',
      });
      await toast.waitFor({ timeout: 120000 });
      // api has started once its wave line is out; give its command a moment to be running.
      await new Promise((r) => setTimeout(r, 1500));
      const cancelledAt = Date.now();
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      const stopped = await pollUntil(
        async () =>
          (await d.readNotifications(page)).find((m) =>
            /Rolled out 2 of 3 components of payment-service to prod \(database, worker\)/.test(m),
          ),
        { timeoutMs: 60000, what: 'the cancelled result' },
      );
      t.diagnostic(`notification: ${stopped}`);
      assert.ok(Date.now() - cancelledAt < 60000, 'api was left to hang');
      assert.match(stopped, /failed: api \(stopped: the rollout was interrupted\)/);
      const prodStatus = {};
      for (const tag of run(ws, 'git', [
        'tag',
        '-l',
        'atmos/deployments/payment-service/prod/*',
      ]).split('\n'))
        prodStatus[tag.split('/')[4]] = /^status: (\w+)$/m.exec(
          run(ws, 'git', ['cat-file', '-p', tag]),
        )[1];
      assert.deepEqual(prodStatus, { api: 'failed', database: 'success', worker: 'success' });
      const prodRefs = run(ws, 'git', [
        'for-each-ref',
        '--format=%(refname:lstrip=-1)',
        'refs/atmos/deployments/payment-service/prod/',
      ]);
      assert.deepEqual(prodRefs.split('\n').sort(), ['database', 'worker']);
      await d.screenshot(page, path.join(OUT_DIR, 'deploy-cancelled.png'));

      // Ctrl+C in the deploy terminal stops it the same way.
      await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
      await promote('eu');
      await pollUntil(
        async () => (await terminalRows(page)).includes('api | deploying api to eu'),
        { timeoutMs: 120000, what: 'api running on eu' },
      );
      await page.locator('.terminal-wrapper.active .xterm').first().click();
      await page.keyboard.press('Control+C');
      const interrupted = await pollUntil(
        async () =>
          (await d.readNotifications(page)).find((m) =>
            /Rolled out 2 of 3 components of payment-service to eu \(database, worker\)/.test(m),
          ),
        { timeoutMs: 60000, what: 'the result after Ctrl+C' },
      );
      t.diagnostic(`notification: ${interrupted}`);
      assert.match(interrupted, /failed: api \(stopped: the rollout was interrupted\)/);
      assert.ok(
        (await terminalRows(page)).some((r) => r.startsWith('^C Stopping the deploy steps')),
        'the terminal does not say it is stopping',
      );
    } finally {
      await browser?.close().catch(() => {});
      await vscode?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  },
);
