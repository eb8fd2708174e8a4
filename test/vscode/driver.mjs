// Playwright helpers for driving the VS Code web workbench that code-server.mjs starts, with
// Debian's chromium (playwright's own browser download is not reachable here). Every wait is a
// condition polled against a deadline, so a slow machine is slower but never flaky by design.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches headless chromium with one page; `consoleLines` collects the page's console. */
export async function launch({
  executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  viewport = { width: 1400, height: 900 },
} = {}) {
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  return { browser, context, page, consoleLines };
}

/**
 * Waits until the workbench has rendered its parts and finished its startup progress bar. A
 * colour theme from the user settings is applied a second or two later; call
 * waitForThemeApplied() before screenshots that depend on it.
 */
export async function waitForWorkbench(page, { timeout = 120000 } = {}) {
  await page.waitForSelector('.monaco-workbench', { timeout });
  await page.waitForSelector('.part.statusbar', { timeout });
  await page.waitForSelector('.part.activitybar, .part.sidebar', { timeout });
  await page
    .waitForFunction(
      () => !document.querySelector('.monaco-workbench .progress-container.active'),
      null,
      { timeout },
    )
    .catch(() => {});
}

async function dismissOverlays(page) {
  await page.keyboard.press('Escape').catch(() => {});
}

const quickInput = (page) => page.locator('.quick-input-widget input.input');

/** Runs a command through the command palette by (a prefix of) its visible title. */
export async function runCommand(page, title, { timeout = 30000 } = {}) {
  await dismissOverlays(page);
  await page.keyboard.press('F1');
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout });
  await input.fill('>');
  await page.keyboard.type(title, { delay: 5 });
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout });
  // Clicking the matching row, rather than Enter, runs this command even when fuzzy matching
  // ranks another one first.
  await row.click();
}

/** Waits for the quick input to close (after a command that does not open a second picker). */
export async function waitForQuickInputClosed(page, { timeout = 30000 } = {}) {
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
}

/**
 * Opens a workspace file by relative name via Quick Open (Ctrl+P). Quick Open needs the remote
 * file-search provider, which registers only once the extension host is up, so when given an
 * absolute path it falls back to File: Open File... (VS Code's simple dialog takes a path).
 */
export async function openFile(page, name, { timeout = 30000 } = {}) {
  const base = path.basename(name);
  await dismissOverlays(page);
  await page.keyboard.press('Control+P');
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout });
  await input.fill('');
  await page.keyboard.type(name, { delay: 5 });
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: base }).first();
  try {
    await row.waitFor({ state: 'visible', timeout });
    // Clicking the row that names the file, rather than Enter, opens it even while Quick Open
    // still ranks a recently opened file first.
    await row.click();
  } catch (e) {
    if (!path.isAbsolute(name)) throw e;
    await page.keyboard.press('Escape');
    await runCommand(page, 'File: Open File...');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(name);
    await page.keyboard.press('Enter');
  }
  await page.locator(`.tabs-container .tab[aria-label*="${base}"]`).first().waitFor({ timeout });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout });
}

/** Text of the visible lines of the active editor. */
export async function readEditorText(page) {
  return page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
}

/**
 * The text of every visible text editor, in every editor group. An editor opened from a webview
 * can land in either group, depending on which one had focus; reading only the first editor
 * then reads the wrong one.
 */
export async function readAllEditorTexts(page) {
  return page.locator('.editor-instance .monaco-editor .view-lines').allInnerTexts();
}

/** Opens and focuses the Problems panel. */
export async function showProblems(page, { timeout = 30000 } = {}) {
  await runCommand(page, 'View: Focus Problems');
  await page.locator('.markers-panel').first().waitFor({ state: 'visible', timeout });
}

/**
 * Text of every row in the Problems panel. With `waitFor(text)`, polls until the joined rows
 * satisfy it and throws with the last rows seen when the deadline passes.
 */
export async function readProblems(page, { waitFor, timeout = 30000 } = {}) {
  const read = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('.markers-panel .monaco-list-row')).map((r) =>
        r.innerText.replace(/\s+/g, ' ').trim(),
      ),
    );
  if (!waitFor) return read();
  const end = Date.now() + timeout;
  let rows = [];
  for (;;) {
    rows = await read();
    if (waitFor(rows.join('\n'))) return rows;
    if (Date.now() > end)
      throw new Error('Problems panel never matched; last rows: ' + JSON.stringify(rows));
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Messages of the notification toasts (and the notification centre if it is open). */
export async function readNotifications(page) {
  return page.evaluate(() =>
    Array.from(
      document.querySelectorAll(
        '.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message',
      ),
    ).map((e) => e.innerText.trim()),
  );
}

/**
 * Text of `selector` inside a webview panel. VS Code nests two iframes: the outer host frame
 * (`iframe.webview.ready`) and the extension's document in `iframe#active-frame`. With several
 * webviews open, `index` picks one (default: the most recently created).
 */
export async function readWebview(page, selector, { timeout = 30000, index = -1 } = {}) {
  const outers = page.frameLocator('iframe.webview.ready');
  const outer = index === -1 ? outers.last() : outers.nth(index);
  const loc = outer.frameLocator('iframe#active-frame').locator(selector);
  await loc.first().waitFor({ timeout });
  return loc.first().innerText();
}

/**
 * The Frame of each webview's own document, for evaluate() and locators. VS Code loads an
 * extension's webview HTML into `pre/fake.html` inside the outer host frame; frame names are not
 * usable (Playwright keeps the `pending-frame` id the iframe had when it was created).
 */
export function webviewFrames(page) {
  return page.frames().filter((f) => f.url().includes('/pre/fake.html'));
}

/**
 * Rows of a contributed tree view, found by its pane title (expands the pane if collapsed).
 * Polls until at least `minRows` rows are shown.
 */
export async function readTreeView(page, viewName, { timeout = 30000, minRows = 1 } = {}) {
  const pane = page
    .locator('.split-view-view .pane', { has: page.locator('.pane-header', { hasText: viewName }) })
    .first();
  await pane.waitFor({ timeout });
  const header = pane.locator('.pane-header').first();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  const rows = pane.locator('.monaco-list-row');
  await rows.nth(minRows - 1).waitFor({ timeout });
  return rows.allInnerTexts();
}

/**
 * Switches the colour theme through "Preferences: Color Theme" and waits until the workbench
 * carries the matching theme class (`vs` for light, `vs-dark` for dark, `hc-*` for contrast).
 * `themeName` is the settings id ("Default Dark Modern"); the picker labels built-in themes
 * without the "Default " prefix ("Dark Modern"), so we filter and match on the label.
 */
export async function setColorTheme(page, themeName, { timeout = 30000 } = {}) {
  const label = themeName.replace(/^Default /, '');
  await runCommand(page, 'Preferences: Color Theme', { timeout });
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(label);
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  await waitForQuickInputClosed(page, { timeout });
  const kind = /high contrast/i.test(themeName)
    ? 'high-contrast'
    : /dark/i.test(themeName)
      ? 'dark'
      : 'light';
  await waitForThemeApplied(page, kind, { timeout });
}

/**
 * Waits until the workbench is painted in a theme of `kind` ('light' | 'dark' | 'high-contrast'):
 * the theme class is set first and the parts restyle afterwards, so we also wait for the editor
 * and the status bar backgrounds to have the right lightness, and for colour transitions to end,
 * before anyone takes a screenshot.
 */
export async function waitForThemeApplied(page, kind, { timeout = 30000 } = {}) {
  await page.waitForFunction(
    (k) => {
      const cl = document.querySelector('.monaco-workbench')?.classList;
      if (!cl) return false;
      const hc = cl.contains('hc-black') || cl.contains('hc-light');
      const current = hc ? 'high-contrast' : cl.contains('vs-dark') ? 'dark' : 'light';
      if (current !== k) return false;
      if (k === 'high-contrast') return true;
      const lightness = (el) => {
        if (!el) return null;
        const m = getComputedStyle(el).backgroundColor.match(/[\d.]+/g);
        if (!m || (m.length > 3 && Number(m[3]) === 0)) return null;
        const [r, g, b] = m.map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      };
      const parts = [
        document.querySelector('.part.statusbar'),
        document.querySelector('.part.editor .monaco-editor-background'),
      ];
      const painted = parts.every((el) => {
        const l = lightness(el);
        return l === null || (k === 'dark' ? l < 0.5 : l > 0.5);
      });
      // Parts such as the status bar fade to the new colours with CSS transitions; a screenshot
      // taken mid-fade shows neither theme.
      const fading = document
        .getAnimations()
        .some((a) => a.transitionProperty !== undefined && a.playState === 'running');
      return painted && !fading;
    },
    kind,
    { timeout, polling: 'raf' },
  );
}

/**
 * Waits until the active editor shows syntax colouring (more than one token class), so that a
 * screenshot does not catch the plain text that is painted before tokenization finishes.
 */
export async function waitForEditorTokens(page, { timeout = 30000 } = {}) {
  await page.waitForFunction(
    () => {
      const spans = document.querySelectorAll(
        '.editor-instance .monaco-editor .view-lines span[class^="mtk"]',
      );
      return new Set(Array.from(spans, (s) => s.className)).size > 1;
    },
    null,
    { timeout, polling: 100 },
  );
}

/** The current theme kind from the workbench classes: 'light', 'dark' or 'high-contrast'. */
export async function themeKind(page) {
  return page.evaluate(() => {
    const cl = document.querySelector('.monaco-workbench')?.classList;
    if (!cl) return null;
    if (cl.contains('hc-black') || cl.contains('hc-light')) return 'high-contrast';
    return cl.contains('vs-dark') ? 'dark' : 'light';
  });
}

export async function screenshot(page, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

/**
 * Picks the quick pick item labelled exactly `label` (its description and detail may name other
 * items, so a plain text match could click the wrong row). With `title`, first waits until the
 * open quick input carries that title, so a command's second picker is not confused with its
 * first one while the first is still closing.
 */
export async function pickQuickItem(page, label, { title, timeout = 30000 } = {}) {
  const widget = page.locator('.quick-input-widget');
  if (title) {
    await widget
      .locator('.quick-input-title', { hasText: title })
      .first()
      .waitFor({ state: 'visible', timeout })
      .catch((e) => {
        e.message = `no quick pick titled "${title}" appeared: ${e.message}`;
        throw e;
      });
  }
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = widget
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escaped}\\s*$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout }).catch(async (e) => {
    const rows = await quickPickRows(page).catch(() => []);
    e.message = `no quick pick item "${label}"; rows: ${JSON.stringify(rows)}: ${e.message}`;
    throw e;
  });
  await row.click();
}

/** Labels of the rows of the open quick pick. */
export async function quickPickRows(page) {
  return page
    .locator('.quick-input-widget .monaco-list-row .label-name')
    .allInnerTexts()
    .then((l) => l.map((s) => s.trim()));
}

/** Labels of the editor tabs, and which one is active: { tabs: string[], active: string }. */
export async function readTabs(page) {
  return page.evaluate(() => {
    const tabs = Array.from(document.querySelectorAll('.tabs-container .tab'));
    const label = (t) => (t.getAttribute('aria-label') || t.innerText || '').trim();
    const active = tabs.find((t) => t.classList.contains('active'));
    return { tabs: tabs.map(label), active: active ? label(active) : '' };
  });
}

/**
 * The entries of the visible multi-file diff editor (`vscode.changes`, the SCM "View Changes"
 * editor), as its headers show them: [{ file, original, modified }], where `file` is the path
 * label and `original` / `modified` are the URIs of the two sides' models (`git:` URIs carry
 * their ref in the query; a side that does not exist shows an empty `inmemory:` model). Entries
 * of hidden editors stay in the DOM, so only rendered ones with a label count.
 */
export async function readMultiDiffEntries(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.part.editor .multiDiffEntry'))
      .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
      .map((e) => ({
        file: (e.querySelector('.header .file-path .title.modified')?.innerText ?? '')
          .replace(/\s+/g, ' ')
          .trim(),
        original: e.querySelector('.editor.original .monaco-editor')?.getAttribute('data-uri'),
        modified: e.querySelector('.editor.modified .monaco-editor')?.getAttribute('data-uri'),
      }))
      .filter((e) => e.file),
  );
}
