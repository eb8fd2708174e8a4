// A newcomer's first hour in the real VS Code (issue 17, items 2 and 5): code-server 4.100.3
// (VS Code 1.100.3), offline, driven by playwright-core and chromium, on a fresh repository with
// one commit and no deployment file. In the light theme: the empty Promotions view shows its
// welcome text (no literal backticks) and opens the walkthrough; the walkthrough's own button
// runs Create a Deployment File, which asks for a name; after a commit (in a terminal, as git is
// off in this editor) the lens above dev names HEAD by SHA and subject, a click shows Roll Out's
// modal and records the rollout, and the lens above staging then promotes. In the dark theme:
// the walkthrough shows those steps done, and a second deployment's blocked lens explains why
// and its button rolls out the source. Screenshots go to test-results/vscode/first-*-<theme>.png.
// Run: node --test test/vscode/first-step-drive.test.mjs    (after `node esbuild.mjs`)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setup } from './setup.mjs';
import { pollUntil, start } from './code-server.mjs';
import * as d from './driver.mjs';
import { REPO_ROOT, OUT_DIR, SKIP_UNBUILT, DEMO_ENV } from './drive-env.mjs';

const skip = SKIP_UNBUILT;
const ENV = DEMO_ENV;

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: 'pipe' }).trim();
}

/** A fresh repository as a newcomer has one: a README, one commit, no deployment file. */
function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-first-ws-'));
  fs.writeFileSync(path.join(ws, 'README.md'), '# shop\n');
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'add', '.');
  git(ws, 'commit', '-q', '-m', 'Start the shop');
  return ws;
}

/** The SHAs of one target's deployment refs. */
function refsOf(ws, deployment, target) {
  return git(
    ws,
    'for-each-ref',
    '--format=%(objectname)',
    `refs/atmos/deployments/${deployment}/${target}/`,
  )
    .split('\n')
    .filter(Boolean);
}

/**
 * The code lenses of the visible editor, by their text: links for lenses that run a command,
 * plain text for those that do not (such as `dev runs HEAD …`); several on a line are joined by
 * `|`.
 */
async function lensLinks(page) {
  return page
    .locator('.editor-instance .codelens-decoration')
    .allInnerTexts()
    .then((l) => l.flatMap((s) => s.split('|')).map((s) => s.replace(/\s+/g, ' ').trim()));
}

async function waitForLens(page, title, what) {
  let seen = [];
  await pollUntil(
    async () => {
      seen = await lensLinks(page);
      return seen.some((s) => (title instanceof RegExp ? title.test(s) : s === title));
    },
    { timeoutMs: 60000, what },
  ).catch((e) => {
    e.message += `\nlenses seen: ${JSON.stringify(seen)}`;
    throw e;
  });
  return page.locator('.editor-instance .codelens-decoration a', { hasText: title }).first();
}

/** Clicks the modal's button after checking its message, then waits for the success toast. */
async function confirmModal(page, { message, button, success }) {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 60000 });
  const text = await dialog.innerText();
  assert.ok(text.includes(message), `modal: ${text}`);
  await dialog.locator('.monaco-button', { hasText: button }).first().click();
  return pollUntil(async () => (await d.readNotifications(page)).find((m) => success.test(m)), {
    timeoutMs: 60000,
    what: `the notification ${success}`,
  });
}

/** The steps of the open walkthrough: title and whether VS Code shows it as done. */
async function walkthroughSteps(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.getting-started-step')).map((s) => ({
      title: (s.querySelector('.step-title')?.textContent ?? '').trim(),
      // VS Code marks a done step by its check icon, the one that toggles it.
      done: !!s.querySelector('.codicon[data-done-step-id].complete'),
    })),
  );
}

test(
  'real VS Code: a fresh repository finds its first step (welcome, walkthrough, lens) in light and dark',
  { skip, timeout: 15 * 60 * 1000 },
  async (t) => {
    await setup();
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const ws = makeWorkspace();
    let vscode;
    let browser;
    let page;
    const shot = async (name, kind) => {
      const file = await d.screenshot(page, path.join(OUT_DIR, `first-${name}-${kind}.png`));
      t.diagnostic(`screenshot ${path.relative(REPO_ROOT, file)}`);
    };
    try {
      vscode = await start({
        folder: ws,
        extensionDevelopmentPath: REPO_ROOT,
        theme: 'Default Light Modern',
      });
      const launched = await d.launch();
      browser = launched.browser;
      page = launched.page;
      await page.goto(vscode.url, { waitUntil: 'domcontentloaded' });
      await d.waitForWorkbench(page);
      await d.waitForThemeApplied(page, 'light');

      // The empty Promotions view: what a deployment file is, in plain words, and two buttons.
      // As a newcomer would: the extension's icon in the activity bar (it shows once VS Code has
      // read the extension's manifest).
      const icon = page
        .locator('.part.activitybar .action-item .action-label[aria-label^="Atmos Deployments"]')
        .first();
      await icon.waitFor({ timeout: 60000 });
      await icon.click();
      const welcome = page.locator('.pane-body .welcome-view-content').first();
      await welcome.waitFor({ timeout: 60000 });
      const welcomeText = await welcome.innerText();
      t.diagnostic(`welcome view: ${welcomeText.replace(/\s+/g, ' ')}`);
      assert.match(welcomeText, /No deployment files in this workspace yet/);
      assert.doesNotMatch(welcomeText, /`/, 'no literal backticks');
      await shot('welcome', 'light');

      // Its second button opens the walkthrough.
      await welcome.locator('.monaco-button', { hasText: 'Open the Walkthrough' }).click();
      const walkthrough = page.locator('.gettingStartedContainer');
      await walkthrough.locator('text=Your First Promotion').first().waitFor({ timeout: 60000 });
      const steps = await walkthroughSteps(page);
      t.diagnostic(`walkthrough steps: ${JSON.stringify(steps)}`);
      assert.deepEqual(
        steps.map((s) => s.title),
        [
          'Create a deployment file',
          'Commit it',
          'Roll out a commit to dev',
          'Promote it to staging',
        ],
      );
      assert.ok(
        steps.every((s) => !s.done),
        'nothing is done yet',
      );
      await shot('walkthrough', 'light');

      // The first step's button: Create a Deployment File asks for the name.
      await walkthrough
        .locator('.getting-started-step .step-title', { hasText: 'Create a deployment file' })
        .first()
        .click();
      await walkthrough
        .locator('.monaco-button', { hasText: 'Create a Deployment File' })
        .first()
        .click();
      const box = page.locator('.quick-input-widget input.input');
      await box.waitFor({ state: 'visible', timeout: 30000 });
      const suggested = await box.inputValue();
      t.diagnostic(`name suggested: ${suggested}`);
      assert.equal(suggested, path.basename(ws).toLowerCase());
      await box.fill('payment-service');
      await page.keyboard.press('Enter');
      await page
        .locator('.tabs-container .tab', { hasText: 'payment-service.yaml' })
        .first()
        .waitFor({ timeout: 30000 });
      assert.ok(fs.existsSync(path.join(ws, 'deployments', 'payment-service.yaml')));

      // Committed in a terminal (the git extension is off here), as the walkthrough says.
      git(ws, 'add', '.');
      git(ws, 'commit', '-q', '-m', 'Add the payment-service deployment file');
      const head = git(ws, 'rev-parse', 'HEAD');
      const entry = `Roll out HEAD (${head.slice(0, 7)} "Add the payment-service deployment file") to dev`;
      const lens = await waitForLens(page, entry, 'the first-step lens above dev');
      await waitForLens(
        page,
        'dev → staging: blocked: nothing deployed in dev',
        'the blocked lens',
      );
      await shot('step-lens', 'light');

      // A click on the lens is Roll Out of that commit, through its modal.
      await lens.click();
      const rolled = await confirmModal(page, {
        message: `Roll out payment-service: ${head.slice(0, 7)} "Add the payment-service deployment file" → dev?`,
        button: 'Roll Out',
        success: /^Recorded the rollout of payment-service to dev/,
      });
      t.diagnostic(`rolled out: ${rolled}`);
      assert.deepEqual(refsOf(ws, 'payment-service', 'dev'), [head]);
      await waitForLens(page, /^dev runs HEAD/, 'the dev lens to say it runs HEAD');
      await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});

      // Then the lens above staging promotes: a first promotion, without the palette.
      const promoteLens = await waitForLens(page, 'dev → staging: ready', 'the ready lens');
      await promoteLens.click();
      const promoted = await confirmModal(page, {
        message: 'Promote payment-service: dev → staging?',
        button: 'Promote',
        success: /^Recorded the rollout of payment-service to staging from dev/,
      });
      t.diagnostic(`promoted: ${promoted}`);
      assert.deepEqual(refsOf(ws, 'payment-service', 'staging'), [head]);
      await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});

      // Dark: the walkthrough shows what was done, from the extension's context keys.
      await d.setColorTheme(page, 'Default Dark Modern');
      await d.waitForThemeApplied(page, 'dark');
      await d.runCommand(page, 'Welcome: Open Walkthrough...');
      await d.pickQuickItem(page, 'Your First Promotion');
      await walkthrough.locator('text=Your First Promotion').first().waitFor({ timeout: 60000 });
      const done = await pollUntil(
        async () => {
          const s = await walkthroughSteps(page);
          return s.filter((x) => x.done).length >= 3 ? s : undefined;
        },
        { timeoutMs: 30000, what: 'the walkthrough to show the steps done' },
      ).catch(async (e) => {
        e.message += `\nsteps: ${JSON.stringify(await walkthroughSteps(page))}`;
        throw e;
      });
      t.diagnostic(`walkthrough after the first promotion: ${JSON.stringify(done)}`);
      for (const title of [
        'Create a deployment file',
        'Roll out a commit to dev',
        'Promote it to staging',
      ])
        assert.ok(done.find((s) => s.title === title)?.done, `${title} is done`);
      await shot('walkthrough', 'dark');

      // A second deployment: its blocked lens says why and its button rolls out the source.
      await d.runCommand(page, 'Atmos Deployments: Create a Deployment File');
      await box.waitFor({ state: 'visible', timeout: 30000 });
      await box.fill('billing');
      await page.keyboard.press('Enter');
      await page
        .locator('.tabs-container .tab', { hasText: 'billing.yaml' })
        .first()
        .waitFor({ timeout: 30000 });
      git(ws, 'add', '.');
      git(ws, 'commit', '-q', '-m', 'Add billing');
      const next = git(ws, 'rev-parse', 'HEAD');
      await waitForLens(
        page,
        `Roll out HEAD (${next.slice(0, 7)} "Add billing") to dev`,
        'the billing lens',
      );
      const blocked = await waitForLens(
        page,
        'dev → staging: blocked: nothing deployed in dev',
        'the blocked lens of billing',
      );
      await shot('step-lens', 'dark');

      // From the palette, Promote lists staging under "Blocked" with why; choosing it starts
      // the step that unblocks it (a rollout on dev, through its modal), which is cancelled here
      // so the lens can take the same step below.
      await d.runCommand(page, 'Atmos Deployments: Promote');
      const rows = await pollUntil(
        async () => {
          const r = await page
            .locator('.quick-input-widget .monaco-list-row')
            .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent));
          return r.length >= 2 ? r : undefined;
        },
        { timeoutMs: 30000, what: 'the Promote target picker' },
      );
      t.diagnostic(`promote picker rows: ${JSON.stringify(rows)}`);
      const stagingRow = rows.find((r) => /^\W*(lock)?\W*staging, blocked/.test(r));
      assert.match(stagingRow, /blocked: nothing deployed in dev/);
      assert.match(stagingRow, /choose it to promote to dev first/);
      const separator = await page
        .locator('.quick-input-widget .quick-input-list-separator', { hasText: 'Blocked' })
        .count();
      assert.ok(separator > 0, 'the blocked rows sit under a "Blocked" separator');
      await shot('blocked-picker', 'dark');
      // Enter on the focused row, as a keyboard user would (staging is first).
      const focused = await page
        .locator('.quick-input-widget .monaco-list-row.focused')
        .first()
        .getAttribute('aria-label');
      assert.match(focused ?? '', /staging, blocked/);
      await page.keyboard.press('Enter');
      // The unblocking step is a rollout on dev, which asks which commit (empty for HEAD).
      await page
        .locator('.quick-input-widget .quick-input-title', { hasText: 'Roll out to dev' })
        .first()
        .waitFor({ state: 'visible', timeout: 30000 });
      await page.keyboard.press('Enter');
      const unblockModal = page.locator('.monaco-dialog-box');
      await unblockModal.waitFor({ timeout: 60000 });
      const unblockText = await unblockModal.innerText();
      assert.ok(
        unblockText.includes(`Roll out billing: ${next.slice(0, 7)} "Add billing" → dev?`),
        `choosing blocked staging offers the rollout on dev: ${unblockText}`,
      );
      await unblockModal.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      await pollUntil(
        async () =>
          (await d.readNotifications(page)).find((m) => /^Cancelled: nothing was written/.test(m)),
        { timeoutMs: 30000, what: 'the cancelled notice' },
      );
      assert.deepEqual(refsOf(ws, 'billing', 'dev'), [], 'nothing was written');
      await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
      await blocked.click();
      const step = `Roll Out HEAD (${next.slice(0, 7)}) to dev`;
      const toast = page.locator('.notifications-toasts .notification-list-item', {
        hasText: 'dev → staging is blocked: nothing deployed in dev.',
      });
      await toast.waitFor({ timeout: 30000 });
      const said = await toast.innerText();
      t.diagnostic(`blocked lens: ${said.replace(/\s+/g, ' ')}`);
      assert.match(said, /Roll out a commit to dev first/);
      const offer = toast.locator('.monaco-button', { hasText: step }).first();
      await offer.waitFor({ timeout: 30000 });
      // The toast slides in; the shot waits until it stands still.
      await new Promise((r) => setTimeout(r, 800));
      await shot('blocked', 'dark');
      await offer.click();
      const unblocked = await confirmModal(page, {
        message: `Roll out billing: ${next.slice(0, 7)} "Add billing" → dev?`,
        button: 'Roll Out',
        success: /^Recorded the rollout of billing to dev/,
      });
      t.diagnostic(`unblocked: ${unblocked}`);
      assert.deepEqual(refsOf(ws, 'billing', 'dev'), [next]);
      await waitForLens(page, 'dev → staging: ready', 'the billing edge to be ready');
    } catch (e) {
      if (page) await d.screenshot(page, path.join(OUT_DIR, 'first-failure.png')).catch(() => {});
      e.message += vscode
        ? `\n--- code-server log\n${vscode.readLog().split('\n').slice(-30).join('\n')}`
        : '';
      throw e;
    } finally {
      await browser?.close().catch(() => {});
      await vscode?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  },
);
