// The promotion timeline in the real VS Code (issue 17, items 1 and 5): code-server 4.100.3
// (VS Code 1.100.3), offline, driven by playwright-core and chromium. The repository's history
// spans a day: tags written as our CLI writes them, at times hours apart (a rollout, promotions
// along dev → staging → prod, a failed promotion and a rollback), then two real rollouts by the
// CLI. Show History, from the palette, the Promotions tree's context menu and a target's hover,
// opens the timeline; the drive reads its lanes, marks (failed and rolled back drawn apart), promotion
// links, hover details, component filter and time cursor from the DOM of the webview frame,
// clicks a mark and "Open as Markdown", and checks Compare Targets' sentence at equal SHAs.
// Screenshots go to test-results/vscode/timeline-<theme>.png.
// Run: node --test test/vscode/timeline-drive.test.mjs    (after `node esbuild.mjs`)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setup } from './setup.mjs';
import { pollUntil, start } from './code-server.mjs';
import * as d from './driver.mjs';
import { REPO_ROOT, CLI, OUT_DIR, SKIP_UNBUILT, DEMO_ENV } from './drive-env.mjs';

const skip = SKIP_UNBUILT;
const ENV = DEMO_ENV;

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: 'pipe' }).trim();
}

const DEPLOYMENT = `deployment:
  name: payment-service
  components:
    terraform:
      api: {}
    helmfile:
      worker: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
`;

const HOUR = 3_600_000;

/**
 * A record tag as our CLI writes it (see `formatTagMessage`), `hoursAgo` in the past, so the
 * history spans hours rather than the seconds a test takes.
 */
function recordTag(
  ws,
  { target, component, sha, hoursAgo, status = 'success', from, rollbackOf, by },
) {
  const at = new Date(Date.now() - hoursAgo * HOUR);
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const name = `atmos/deployments/payment-service/${target}/${component}/${stamp.replace(/:/g, '-')}`;
  const lines = [
    'atmos.tools/v1alpha1',
    'kind: Deployment',
    '---',
    'deployment: payment-service',
    `target: ${target}`,
    `component: ${component}`,
    `deployed_by: ${by ?? 'ana@example.com'}`,
    'build_id: ""',
    `git_sha: ${sha}`,
    `timestamp: ${stamp}`,
    `status: ${status}`,
    ...(from ? [`promoted_from: ${from}`, `promoted_at: ${stamp}`] : []),
    ...(rollbackOf ? [`rollback_of: ${rollbackOf}`] : []),
  ];
  execFileSync('git', ['tag', '-a', name, sha, '-F', '-'], {
    cwd: ws,
    env: ENV,
    input: `${lines.join('\n')}\n`,
  });
  return name;
}

/** The workspace and what the drive expects of its history. */
function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-timeline-ws-'));
  fs.mkdirSync(path.join(ws, 'deployments'));
  fs.writeFileSync(path.join(ws, 'deployments', 'payment-service.yaml'), DEPLOYMENT);
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'add', '.');
  git(ws, 'commit', '-q', '-m', 'Add checkout');
  const c1 = git(ws, 'rev-parse', 'HEAD');
  git(ws, 'commit', '-q', '--allow-empty', '-m', 'Fix rounding in totals');
  const c2 = git(ws, 'rev-parse', 'HEAD');
  git(ws, 'commit', '-q', '--allow-empty', '-m', 'Speed up the cart');
  const c3 = git(ws, 'rev-parse', 'HEAD');
  const both = (o) => ['api', 'worker'].map((component) => recordTag(ws, { ...o, component }));
  both({ target: 'dev', sha: c1, hoursAgo: 30 });
  both({ target: 'staging', sha: c1, hoursAgo: 26, from: 'dev', by: 'ben@example.com' });
  const [prodApiC1] = both({ target: 'prod', sha: c1, hoursAgo: 20, from: 'staging' });
  both({ target: 'dev', sha: c2, hoursAgo: 16 });
  recordTag(ws, { target: 'staging', component: 'api', sha: c2, hoursAgo: 12, from: 'dev' });
  recordTag(ws, {
    target: 'staging',
    component: 'worker',
    sha: c2,
    hoursAgo: 12,
    from: 'dev',
    status: 'failed',
  });
  recordTag(ws, { target: 'prod', component: 'api', sha: c2, hoursAgo: 8, from: 'staging' });
  recordTag(ws, {
    target: 'prod',
    component: 'api',
    sha: c1,
    hoursAgo: 5,
    status: 'rolled_back',
    rollbackOf: prodApiC1,
  });
  // Then two real rollouts, now, by the CLI: c3 to dev, and promoted to staging.
  const cli = (...args) =>
    execFileSync(process.execPath, [CLI, 'rollout', 'payment-service', '--cwd', ws, ...args], {
      env: ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  cli('--target', 'dev', '--git-sha', c3);
  cli('--target', 'staging', '--promote-from', 'dev');
  return { ws, c1, c2, c3 };
}

/** The timeline's document frame (the most recent webview with its page). */
async function timelineFrame(page) {
  return pollUntil(
    async () => {
      for (const f of d.webviewFrames(page).reverse()) {
        const ok = await f.evaluate(() => !!document.getElementById('where')).catch(() => false);
        if (ok) return f;
      }
      return undefined;
    },
    { timeoutMs: 60000, what: 'the promotion timeline webview' },
  );
}

/** What the timeline shows, read from its DOM. */
function readTimeline(frame) {
  return frame.evaluate(() => ({
    title: document.getElementById('title')?.textContent ?? '',
    lanes: Array.from(document.querySelectorAll('g.lane')).map((l) =>
      l.getAttribute('data-target'),
    ),
    marks: Array.from(document.querySelectorAll('g.mark')).map((m) => ({
      tag: m.getAttribute('data-tag'),
      target: m.getAttribute('data-target'),
      component: m.getAttribute('data-component'),
      sha: m.getAttribute('data-sha'),
      cls: m.getAttribute('class'),
      label: m.querySelector('text.label')?.textContent ?? '',
    })),
    links: Array.from(document.querySelectorAll('path.link')).map((l) => ({
      from: l.getAttribute('data-from'),
      to: l.getAttribute('data-to'),
      cls: l.getAttribute('class'),
    })),
    where: Array.from(document.querySelectorAll('#where-table tr[data-target]')).map((r) => [
      `${r.getAttribute('data-target')}/${r.getAttribute('data-component')}`,
      r.getAttribute('data-sha'),
    ]),
    whereTitle: document.getElementById('where-title')?.textContent ?? '',
    cursor: !!document.getElementById('cursor'),
    csp: document
      .querySelector('meta[http-equiv="Content-Security-Policy"]')
      ?.getAttribute('content'),
    images: document.querySelectorAll('img, image, foreignObject, iframe').length,
  }));
}

async function waitForMarks(frame, n, what) {
  let last;
  await pollUntil(
    async () => {
      last = await readTimeline(frame);
      return last.marks.length === n;
    },
    { timeoutMs: 60000, what },
  ).catch((e) => {
    e.message += `\nlast seen: ${JSON.stringify(last)}`;
    throw e;
  });
  return last;
}

/**
 * Waits until the Promotions view lists the deployment. Under heavy load the view was once seen
 * to keep its "no deployment files" welcome after the server had indexed the file; the view's
 * Refresh is then pressed (and said), since this drive is about the timeline, not that.
 */
async function showsDeployment(page, t) {
  const rows = () => d.readTreeView(page, 'Promotions', { timeout: 20000 }).catch(() => []);
  for (let i = 0; i < 4; i++) {
    if ((await rows()).some((r) => r.includes('payment-service'))) return;
    t.diagnostic('the Promotions view does not list payment-service yet; pressing its Refresh');
    await d.runCommand(page, 'Atmos Deployments: Refresh').catch(() => {});
  }
  assert.fail('the Promotions view never listed payment-service');
}

test(
  'real VS Code: Show History opens the promotion timeline (lanes, links, filter, time cursor) in light and dark',
  { skip, timeout: 15 * 60 * 1000 },
  async (t) => {
    await setup();
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const { ws, c1, c2, c3 } = makeWorkspace();
    let vscode;
    let browser;
    let page;
    const shot = async (name) => {
      const file = await d.screenshot(page, path.join(OUT_DIR, `${name}.png`));
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

      // The Promotions view shows the deployment once the extension has read it; then, from
      // the palette.
      const icon = page
        .locator('.part.activitybar .action-item .action-label[aria-label^="Atmos Deployments"]')
        .first();
      await icon.waitFor({ timeout: 60000 });
      await icon.click();
      await showsDeployment(page, t);
      await d.runCommand(page, 'Atmos Deployments: Show History');
      let frame = await timelineFrame(page);
      let seen = await waitForMarks(frame, 16, 'the 16 records as marks');
      t.diagnostic(`timeline: ${JSON.stringify({ ...seen, marks: seen.marks.length })}`);
      assert.equal(seen.title, 'payment-service');
      assert.deepEqual(seen.lanes, ['dev', 'staging', 'prod'], 'lanes in promotion order');
      const count = (f) => seen.marks.filter(f).length;
      assert.equal(
        count((m) => m.target === 'dev'),
        6,
      );
      assert.equal(
        count((m) => m.target === 'staging'),
        6,
      );
      assert.equal(
        count((m) => m.target === 'prod'),
        4,
      );
      assert.equal(
        count((m) => /status-failed/.test(m.cls)),
        1,
        'one failed mark',
      );
      assert.equal(
        count((m) => /status-rolled_back/.test(m.cls)),
        1,
        'one rollback mark',
      );
      const failed = seen.marks.find((m) => /status-failed/.test(m.cls));
      assert.deepEqual([failed.target, failed.component, failed.sha], ['staging', 'worker', c2]);
      // Labels: short SHA and subject, where they fit.
      assert.ok(
        seen.marks.some((m) => m.label === `${c1.slice(0, 7)}Add checkout`),
        `a label names c1 and its subject: ${JSON.stringify(seen.marks.map((m) => m.label))}`,
      );
      // Promotions: 2 + 2 into staging and prod from c1, 2 into staging from c2 (one failed), 1
      // into prod from c2, and the 2 real ones into staging now; the rollback is not one.
      assert.equal(seen.links.length, 9, JSON.stringify(seen.links));
      assert.equal(seen.links.filter((l) => /failed/.test(l.cls)).length, 1);
      const byTag = new Map(seen.marks.map((m) => [m.tag, m]));
      for (const l of seen.links) {
        const a = byTag.get(l.from);
        const b = byTag.get(l.to);
        assert.ok(a && b, `both ends of ${l.from} → ${l.to} are marks`);
        assert.equal(a.sha, b.sha, 'a link joins records of one SHA');
        assert.equal(a.component, b.component);
      }
      assert.match(seen.csp ?? '', /default-src 'none'; script-src 'nonce-[^']+';/, 'a strict CSP');
      assert.doesNotMatch(seen.csp ?? '', /unsafe/);
      assert.equal(seen.images, 0);

      // What was where, now: the cursor starts at the newest record.
      const now = Object.fromEntries(seen.where);
      assert.match(seen.whereTitle, /^What was where at /);
      assert.equal(now['dev/api'], c3);
      assert.equal(now['staging/worker'], c3);
      assert.equal(now['prod/api'], c1, 'prod/api was rolled back to c1');
      assert.equal(now['prod/worker'], c1);

      // Hover: the details of a mark.
      const failedMark = frame.locator(`g.mark[data-tag="${failed.tag}"]`);
      await failedMark.hover();
      const details = await frame.locator('#details').innerText();
      t.diagnostic(`hover: ${details.replace(/\n/g, ' | ')}`);
      assert.match(details, /staging · worker: .* Fix rounding in totals/);
      assert.match(details, /failed · .* by ana@example\.com/);
      assert.match(details, /promoted from dev/);

      // The time cursor, ten hours ago: staging's worker still ran c1 (its c2 rollout failed).
      const tenHoursAgo = Date.now() - 10 * HOUR;
      await frame.evaluate((v) => {
        const s = document.getElementById('time-slider');
        s.value = String(v);
        s.dispatchEvent(new Event('input'));
      }, tenHoursAgo);
      // The page redraws on the next frame; the table's title names the cursor's time.
      const stamp = new Date(tenHoursAgo).toISOString().slice(0, 16).replace('T', ' ');
      seen = await pollUntil(
        async () => {
          const s = await readTimeline(frame);
          return s.whereTitle.includes(stamp) ? s : undefined;
        },
        { timeoutMs: 10000, what: `the table at ${stamp}` },
      );
      const then = Object.fromEntries(seen.where);
      t.diagnostic(`what was where 10 h ago: ${JSON.stringify(then)}`);
      assert.deepEqual(then, {
        'dev/api': c2,
        'dev/worker': c2,
        'staging/api': c2,
        'staging/worker': c1,
        'prod/api': c1,
        'prod/worker': c1,
      });
      assert.ok(seen.cursor, 'the cursor line is drawn');
      // A click on the time axis moves it too: near its left end, before anything was deployed
      // or just after the first records.
      const axis = frame.locator('#axis rect.axis-band');
      const box = await axis.boundingBox();
      await page.mouse.click(box.x + 3, box.y + box.height / 2);
      await pollUntil(
        async () => (await readTimeline(frame)).where.every(([, sha]) => sha === ''),
        { timeoutMs: 10000, what: 'nothing deployed at the start of the window' },
      );

      // The component filter: worker only.
      await frame.locator('#component-filter').selectOption('worker');
      seen = await waitForMarks(frame, 7, 'the worker marks');
      assert.ok(seen.marks.every((m) => m.component === 'worker'));
      assert.equal(seen.links.length, 4, JSON.stringify(seen.links));
      assert.deepEqual(
        seen.where.map(([k]) => k),
        ['dev/worker', 'staging/worker', 'prod/worker'],
      );
      await frame.locator('#component-filter').selectOption('');
      seen = await waitForMarks(frame, 16, 'all marks again');
      await frame.evaluate((v) => {
        const s = document.getElementById('time-slider');
        s.value = String(v);
        s.dispatchEvent(new Event('input'));
      }, tenHoursAgo);
      await new Promise((r) => setTimeout(r, 500));
      await shot('timeline-light');

      // Dark: the page follows the theme.
      await d.setColorTheme(page, 'Default Dark Modern');
      await d.waitForThemeApplied(page, 'dark');
      frame = await timelineFrame(page);
      await waitForMarks(frame, 16, 'the marks in the dark theme');
      const dark = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
      t.diagnostic(`dark page background: ${dark}`);
      const [r, g, b] = dark.match(/\d+/g).map(Number);
      assert.ok(r + g + b < 200, `a dark background: ${dark}`);
      await new Promise((r) => setTimeout(r, 500));
      await shot('timeline-dark');

      // A click on a mark opens its record, with the commits it brought.
      const prodC2 = seen.marks.find((m) => m.target === 'prod' && m.sha === c2);
      await frame.locator(`g.mark[data-tag="${prodC2.tag}"]`).click();
      const recordTab = `prod api ${c2.slice(0, 7)}.md`;
      await pollUntil(
        async () => (await d.readTabs(page)).tabs.some((x) => x.includes(recordTab)),
        {
          timeoutMs: 30000,
          what: `the record tab ${recordTab}`,
        },
      );
      // The record may open in either editor group; it is the editor naming its tag.
      const record = await pollUntil(
        async () =>
          (await d.readAllEditorTexts(page)).find((x) =>
            x.replace(/\s+/g, '').includes(prodC2.tag),
          ),
        { timeoutMs: 30000, what: `the record ${prodC2.tag} in an editor` },
      );
      t.diagnostic(`record: ${record.slice(0, 300).replace(/\n/g, ' | ')}`);
      // The editor wraps long lines; the words are compared without the white space.
      const flat = record.replace(/\s+/g, '');
      assert.ok(flat.includes(prodC2.tag), 'the record names its tag');
      assert.ok(flat.includes('Fixroundingintotals'), 'and the subject');
      assert.ok(flat.includes(`gitlog--oneline${c1}..${c2}`), 'and the commits it brought');

      // "Open as Markdown": the table Show History used to open.
      frame = await timelineFrame(page);
      await frame.locator('#markdown').click();
      await pollUntil(
        async () =>
          (await d.readTabs(page)).tabs.some((x) => x.includes('History of payment-service.md')),
        { timeoutMs: 30000, what: 'the Markdown history tab' },
      );
      // The editor draws spaces as no-break spaces and wraps the table's long rows.
      const table = await pollUntil(
        async () => {
          const texts = (await d.readAllEditorTexts(page)).map((x) => x.replace(/\s+/g, ''));
          return texts.find((text) => text.includes('#History:payment-service'));
        },
        { timeoutMs: 30000, what: 'the Markdown history in the editor' },
      );
      assert.ok(table.includes('|When|Target|Component|SHA|Status|By|From|Approver|Tag|'), table);
      assert.ok(table.includes('rolled\\_back'), 'the rollback is listed');

      // From the Promotions tree's context menu, on the deployment.
      await d.runCommand(page, 'View: Close All Editors');
      // The view is open already; its icon would toggle it closed.
      await d.runCommand(page, 'Atmos Deployments: Focus on Promotions View');
      await d.readTreeView(page, 'Promotions');
      const pane = page
        .locator('.split-view-view .pane', {
          has: page.locator('.pane-header', { hasText: 'Promotions' }),
        })
        .first();
      const row = pane.locator('.monaco-list-row', { hasText: 'payment-service' }).first();
      await row.waitFor({ timeout: 60000 });
      await row.click({ button: 'right' });
      const item = page.getByRole('menuitem', { name: 'Show History' }).first();
      await item.waitFor({ timeout: 30000 });
      // The menu ignores a click that comes right as it opens (it guards against the release of
      // the right button choosing an item), so the click waits a moment, as a person's does.
      await new Promise((r) => setTimeout(r, 600));
      await item.click();
      frame = await timelineFrame(page);
      await waitForMarks(frame, 16, 'the timeline from the tree');

      // Compare Targets where both run the same commits: a sentence, not a table.
      await d.runCommand(page, 'Atmos Deployments: Compare Targets');
      await d.pickQuickItem(page, 'dev', { title: 'Compare from' });
      await d.pickQuickItem(page, 'staging', { title: 'Compare dev with' });
      const said = await pollUntil(
        async () => (await d.readNotifications(page)).find((m) => /run the same commits/.test(m)),
        { timeoutMs: 30000, what: 'the same-commits notification' },
      );
      t.diagnostic(`compare: ${said}`);
      assert.ok(
        said.includes(
          `dev and staging run the same commits (api ${c3.slice(0, 7)}, worker ${c3.slice(0, 7)}).`,
        ),
        said,
      );
      assert.ok(
        !(await d.readTabs(page)).tabs.some((x) => /dev vs staging/.test(x)),
        'no table was opened',
      );

      // From the hover of a target in the YAML: its Show History link.
      await d.runCommand(page, 'View: Close All Editors');
      await d.openFile(page, 'deployments/payment-service.yaml');
      const key = page
        .locator('.editor-instance .view-line')
        .filter({ hasText: /^\s*staging:\s*$/ })
        .first()
        .locator('span span', { hasText: 'staging' })
        .first();
      await key.waitFor({ timeout: 30000 });
      const link = page.locator('.monaco-hover a', { hasText: 'Show History' }).first();
      await pollUntil(
        async () => {
          await key.hover();
          return link.isVisible().catch(() => false);
        },
        { timeoutMs: 60000, what: "the hover's Show History link" },
      );
      await link.click();
      frame = await timelineFrame(page);
      await waitForMarks(frame, 16, 'the timeline from the hover');

      // From the promotion graph: its History button.
      await d.runCommand(page, 'View: Close All Editors');
      await d.openFile(page, 'deployments/payment-service.yaml');
      await d.runCommand(page, 'Atmos Deployments: Show Graph');
      const graph = await pollUntil(
        async () => {
          for (const f of d.webviewFrames(page).reverse()) {
            const ok = await f
              .evaluate(() => !!document.getElementById('history'))
              .catch(() => false);
            if (ok) return f;
          }
          return undefined;
        },
        { timeoutMs: 60000, what: "the graph's History button" },
      );
      await graph.locator('#history').click();
      frame = await timelineFrame(page);
      await waitForMarks(frame, 16, "the timeline from the graph's History button");
      t.diagnostic("the graph's History button opened the timeline");
    } catch (e) {
      if (page)
        await d.screenshot(page, path.join(OUT_DIR, 'timeline-failure.png')).catch(() => {});
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
