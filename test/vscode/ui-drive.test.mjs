// UI drive of the client in a real VS Code (code-server 4.100.3 = VS Code 1.100.3), offline, on a
// demo-like workspace: a temp git repository with the spec's payment-service deployment (with
// components), a broken file, and rollouts recorded with the CLI once `rollout` exists.
// In the light and then the dark theme it reads the Problems panel and the Promotions tree,
// opens the graph and reads its nodes and edges inside the webview frame, clicks a node and
// checks the editor selection, and runs Promote from the palette and confirms the modal. Every
// step leaves a screenshot under test-results/vscode/ui-*-<theme>.png; the tree and the graph are
// also shot in the high-contrast theme, with the graph's labels checked for contrast. Finally the in-host
// suite runs in this git workspace, so its promotion test can check the records.
// Run: node --test test/vscode/ui-drive.test.mjs    (after `node esbuild.mjs`)
// The promotions from the palette must succeed: the success toast and the records git shows in
// the workspace (refs at the promoted commit, one new tag per component naming its source) are
// both required, and a refusal or any other toast fails the drive.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setup } from './setup.mjs';
import { pollUntil, start } from './code-server.mjs';
import * as d from './driver.mjs';
import { runExtensionTests } from './run-ext-tests.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const OUT_DIR = path.join(REPO_ROOT, 'test-results', 'vscode');
const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const THEMES = [
  { name: 'Default Light Modern', kind: 'light' },
  { name: 'Default Dark Modern', kind: 'dark' },
];
// The theme whose settings id is `Default High Contrast`, as the Color Theme picker labels it.
const HIGH_CONTRAST = 'Dark High Contrast';

/**
 * Runs in the graph's frame: for each node, its least readable text and that text's WCAG
 * contrast ratio against the node's box, both as the theme paints them.
 */
function graphContrast() {
  // A translucent box (the highlighted node's fill is a selection colour with alpha) is seen
  // over the page, so it is blended with the page background before the ratio is taken.
  const parts = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const page = parts(getComputedStyle(document.body).backgroundColor).slice(0, 3);
  const rgb = (c) => {
    const [r, g, b, a = 1] = parts(c);
    return [r, g, b].map((v, i) => v * a + (page[i] ?? 0) * (1 - a));
  };
  const lum = ([r, g, b]) => {
    const f = (v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(rgb(a)), lum(rgb(b))].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  return Array.from(document.querySelectorAll('g.node')).map((n) => {
    const box = getComputedStyle(n.querySelector('rect.box')).fill;
    const worst = Array.from(n.querySelectorAll('text'))
      .map((t) => ({ text: t.textContent, ratio: ratio(getComputedStyle(t).fill, box) }))
      .sort((a, b) => a.ratio - b.ratio)[0];
    return { text: n.getAttribute('data-target'), worst: worst?.text, ratio: worst?.ratio ?? 0 };
  });
}

const PAYMENT_SERVICE = `# The example from the spec (target-promotion.md): dev → staging → prod.
deployment:
  name: payment-service

  components:
    terraform:
      vpc: {}
      ecs: {}
    helmfile:
      api: {}

  targets:
    dev:
      # No promotion config = entry point
      labels:
        environment: dev

    staging:
      promotion:
        from: dev # Can only promote from dev
      labels:
        environment: staging

    prod:
      promotion:
        from: staging # Must promote from staging
        requires_approval: true # Atmos Pro approval required
      labels:
        environment: prod
`;

// A target name that is HTML: it must show as text in the tree and the graph and run nothing.
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const HOSTILE = `deployment:
  name: hostile
  targets:
    "${HOSTILE_NAME}": {}
    staging:
      promotion:
        from: "${HOSTILE_NAME}"
`;

const skip = fs.existsSync(path.join(REPO_ROOT, 'dist', 'client.js'))
  ? false
  : 'dist/client.js is missing: build the extension first (node esbuild.mjs)';

function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Demo',
      GIT_AUTHOR_EMAIL: 'demo@example.com',
      GIT_COMMITTER_NAME: 'Demo',
      GIT_COMMITTER_EMAIL: 'demo@example.com',
    },
  }).trim();
}

const DEMO = {
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
};
const CAROL = {
  GIT_AUTHOR_NAME: 'carol',
  GIT_AUTHOR_EMAIL: 'carol@example.com',
  GIT_COMMITTER_NAME: 'carol',
  GIT_COMMITTER_EMAIL: 'carol@example.com',
};

function cliHas(command) {
  try {
    return execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' }).includes(
      `${command} `,
    );
  } catch {
    return false;
  }
}

/** The demo-like workspace; returns what was recorded so the drive knows what to expect. */
function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-ui-ws-'));
  fs.mkdirSync(path.join(ws, 'deployments'));
  fs.writeFileSync(path.join(ws, 'deployments', 'payment-service.yaml'), PAYMENT_SERVICE);
  fs.writeFileSync(path.join(ws, 'deployments', 'hostile.yaml'), HOSTILE);
  fs.copyFileSync(
    path.join(REPO_ROOT, 'test', 'fixtures', 'workspace', 'deployments', 'broken.yaml'),
    path.join(ws, 'deployments', 'broken.yaml'),
  );
  git(ws, 'init', '-q', '-b', 'main');
  // The editor acts as the repository's identity, as a user's would; without it the machine's
  // global identity would appear in the modals and the README's screenshots.
  git(ws, 'config', 'user.name', 'Demo');
  git(ws, 'config', 'user.email', 'demo@example.com');
  git(ws, 'add', '.');
  git(ws, 'commit', '-q', '-m', 'payment-service: dev, staging, prod');
  const first = git(ws, 'rev-parse', 'HEAD');
  fs.writeFileSync(path.join(ws, 'README.md'), '# payment-service\n');
  git(ws, 'add', '.');
  git(ws, 'commit', '-q', '-m', 'Add a README');
  const recorded = [];
  if (cliHas('rollout')) {
    const rollout = (...args) => {
      execFileSync(process.execPath, [CLI, 'rollout', 'payment-service', '--cwd', ws, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      recorded.push(args.join(' '));
    };
    rollout('--target', 'dev', '--git-sha', first);
    rollout('--target', 'staging', '--promote-from', 'dev');
    rollout('--target', 'dev', '--git-sha', git(ws, 'rev-parse', 'HEAD'));
  }
  return { ws, recorded };
}

/** `<sha> <ref>` of each deployment ref of payment-service at one target. */
function deploymentRefs(ws, target) {
  return git(
    ws,
    'for-each-ref',
    '--format=%(objectname) %(refname)',
    `refs/atmos/deployments/payment-service/${target}/`,
  )
    .split('\n')
    .filter(Boolean);
}

/** Names of payment-service's deployment tags at one target. */
function recordTags(ws, target) {
  return git(ws, 'tag', '-l', `atmos/deployments/payment-service/${target}/*`)
    .split('\n')
    .filter(Boolean);
}

/** Text of the status bar's cursor position item (`Ln 24, Col 5 (4 selected)`). */
async function cursorStatus(page) {
  return page.evaluate(() => {
    const items = Array.from(document.querySelectorAll('.statusbar-item'));
    const ln = items.find((i) => /Ln \d+, Col \d+/.test(i.textContent || ''));
    return ln ? ln.textContent.trim() : '';
  });
}

async function waitForText(read, check, what, timeoutMs = 30000) {
  let last;
  await pollUntil(
    async () => {
      last = await read();
      return check(last);
    },
    { timeoutMs, intervalMs: 200, what: `${what}` },
  ).catch((e) => {
    e.message += `\nlast seen: ${JSON.stringify(last)}`;
    throw e;
  });
  return last;
}

/** The graph's document frame (the most recent webview with our page). */
async function graphFrame(page) {
  return pollUntil(
    async () => {
      for (const f of d.webviewFrames(page).reverse()) {
        const ok = await f.evaluate(() => !!document.getElementById('canvas')).catch(() => false);
        if (ok) return f;
      }
      return undefined;
    },
    { timeoutMs: 30000, what: 'the promotion graph webview' },
  );
}

test(
  'real VS Code: client UI drive (tree, graph, promote) in light and dark',
  { skip, timeout: 20 * 60 * 1000 },
  async (t) => {
    await setup();
    const { ws, recorded } = makeWorkspace();
    t.diagnostic(
      `workspace ${ws}; recorded rollouts: ${recorded.length ? recorded.join(' | ') : 'none (the CLI has no rollout command yet)'}`,
    );
    fs.mkdirSync(OUT_DIR, { recursive: true });
    let vscode;
    const serverLog = () =>
      vscode ? `--- code-server log\n${vscode.readLog().split('\n').slice(-30).join('\n')}` : '';
    try {
      vscode = await start({
        folder: ws,
        extensionDevelopmentPath: REPO_ROOT,
        theme: THEMES[0].name,
      });
      const { browser, page, consoleLines } = await d.launch();
      const dialogs = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const shot = async (name, kind) => {
        const file = await d.screenshot(page, path.join(OUT_DIR, `ui-${name}-${kind}.png`));
        t.diagnostic(`screenshot ${path.relative(REPO_ROOT, file)}`);
      };
      const cliAs = (env, ...args) =>
        spawnSync(process.execPath, [CLI, ...args], {
          cwd: ws,
          encoding: 'utf8',
          env: { ...process.env, ...env },
        });
      const requestStep = async (kind) => {
        git(ws, 'commit', '--allow-empty', '-q', '-m', 'Next release');
        const sha = git(ws, 'rev-parse', 'HEAD');
        for (const args of [
          ['--target', 'dev', '--git-sha', sha],
          ['--target', 'staging', '--promote-from', 'dev'],
        ]) {
          const r = cliAs(DEMO, 'rollout', 'payment-service', ...args);
          assert.equal(r.status, 0, r.stdout + r.stderr);
        }
        const asked = cliAs(
          CAROL,
          'rollout',
          'payment-service',
          '--target',
          'prod',
          '--promote-from',
          'staging',
          '--wait',
          '1s',
          '--poll-interval',
          '200ms',
        );
        assert.equal(asked.status, 3, asked.stdout + asked.stderr);
        await d.runCommand(page, 'Atmos Deployments: Refresh');
        const rows = await waitForText(
          () => d.readTreeView(page, 'Promotions', { minRows: 3 }),
          (r) =>
            r.some((x) =>
              /staging → prod\s*yours to approve · requested by carol@example\.com/.test(x),
            ),
          'the request row, yours to approve',
          60000,
        );
        t.diagnostic(`request row: ${rows.find((x) => /yours to approve/.test(x))}`);
        const bar = await waitForText(
          () =>
            page.evaluate(() =>
              Array.from(document.querySelectorAll('.statusbar-item')).map((e) =>
                (e.getAttribute('aria-label') || e.textContent || '').trim(),
              ),
            ),
          (items) => items.some((x) => /1 approval request waiting for you/.test(x)),
          'the status bar count',
        );
        t.diagnostic(`status bar: ${bar.find((x) => /approval request/.test(x))}`);
        await shot('request', kind);
        const declined = cliAs(
          DEMO,
          'decline',
          'payment-service',
          '--target',
          'prod',
          '--reason',
          'screenshot taken',
        );
        assert.equal(declined.status, 0, declined.stdout + declined.stderr);
      };
      try {
        await page.goto(vscode.url, { waitUntil: 'domcontentloaded' });
        await d.waitForWorkbench(page);

        for (const [i, theme] of THEMES.entries()) {
          if ((await d.themeKind(page)) !== theme.kind) await d.setColorTheme(page, theme.name);
          await d.waitForThemeApplied(page, theme.kind);
          const kind = theme.kind;

          // Problems: the broken file's diagnostics from the language server.
          await d.openFile(page, 'deployments/broken.yaml');
          await d.showProblems(page);
          const problems = await d.readProblems(page, {
            waitFor: (text) => /broken\.yaml/.test(text) && text.split('\n').length > 1,
            timeout: 60000,
          });
          t.diagnostic(`problems (${kind}): ${problems.join(' | ')}`);
          await shot('problems', kind);
          await page.keyboard.press('Escape');

          // Promotions tree.
          await d.runCommand(page, 'Atmos Deployments: Focus on Promotions View');
          const rows = await waitForText(
            () => d.readTreeView(page, 'Promotions', { minRows: 3 }),
            (r) =>
              r.some((x) => x.includes('payment-service')) &&
              r.some((x) => x.includes('dev → staging')),
            'the Promotions tree to list payment-service and its edges',
            60000,
          );
          t.diagnostic(`tree (${kind}): ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
          for (const name of ['dev', 'staging', 'prod', 'staging → prod']) {
            assert.ok(
              rows.some((r) => r.includes(name)),
              `tree row ${name}`,
            );
          }
          // Expand payment-service's staging to show its components with SHAs (other
          // deployments, such as the broken one, have a staging too).
          const pane = page
            .locator('.split-view-view .pane', {
              has: page.locator('.pane-header', { hasText: 'Promotions' }),
            })
            .first();
          const texts = await pane.locator('.monaco-list-row').allInnerTexts();
          const own = texts.findIndex((r) => r.startsWith('payment-service'));
          const stagingRow = texts.findIndex((r, n) => n > own && r.startsWith('staging'));
          assert.ok(stagingRow > own, `payment-service/staging row in ${JSON.stringify(texts)}`);
          const row = pane.locator('.monaco-list-row').nth(stagingRow);
          // The twistie expands a target; a click on the row itself reveals its YAML.
          if ((await row.getAttribute('aria-expanded')) !== 'true')
            await row.locator('.monaco-tl-twistie').click();
          await waitForText(
            () => d.readTreeView(page, 'Promotions', { minRows: 3 }),
            (r) => r.some((x) => /^vpc/.test(x)),
            'staging to expand to its components',
          );
          await shot('tree', kind);
          if (i === 0) {
            await row.locator('.label-name').first().click();
            const revealed = await waitForText(
              () => cursorStatus(page),
              (st) => st.includes('(7 selected)'),
              'a click on the staging row to select "staging" in the YAML',
            );
            t.diagnostic(`after clicking the staging row: ${revealed}`);
          }

          // Graph beside the YAML.
          await d.openFile(page, 'deployments/payment-service.yaml');
          await d.runCommand(page, 'Atmos Deployments: Show Graph');
          const frame = await graphFrame(page);
          const graph = await waitForText(
            () =>
              frame.evaluate(() => ({
                nodes: Array.from(document.querySelectorAll('g.node')).map((n) =>
                  n.getAttribute('data-target'),
                ),
                edges: Array.from(document.querySelectorAll('g.edge')).map(
                  (e) =>
                    `${e.getAttribute('data-from')}→${e.getAttribute('data-to')}: ${e.querySelector('.label text')?.textContent}`,
                ),
                entry: Array.from(document.querySelectorAll('g.node.entry')).map((n) =>
                  n.getAttribute('data-target'),
                ),
                approval: Array.from(document.querySelectorAll('g.edge')).filter(
                  (e) =>
                    /approval/.test(e.querySelector('title')?.textContent ?? '') ||
                    e.classList.contains('approval'),
                ).length,
              })),
            (g) => g.nodes.length === 3 && g.edges.length === 2,
            'the graph to draw 3 nodes and 2 edges',
          );
          t.diagnostic(
            `graph (${kind}): nodes ${graph.nodes.join(', ')}; edges ${graph.edges.join(' | ')}; entry ${graph.entry}`,
          );
          assert.deepEqual(graph.nodes, ['dev', 'staging', 'prod']);
          assert.deepEqual(graph.entry, ['dev']);
          // Every text of every node, badges included, readable on its box (WCAG AA, 4.5:1).
          const contrast = await frame.evaluate(graphContrast);
          t.diagnostic(`graph contrast (${kind}): ${JSON.stringify(contrast)}`);
          for (const n of contrast)
            assert.ok(
              n.ratio >= 4.5,
              `${kind}: ${n.text}: "${n.worst}" contrast ${n.ratio.toFixed(2)} < 4.5`,
            );
          await shot('graph', kind);

          // Click a node: its key is selected in the YAML.
          const target = i === 0 ? 'prod' : 'staging';
          await frame.locator(`g.node[data-target="${target}"] rect.box`).click();
          const status = await waitForText(
            () => cursorStatus(page),
            (s) => s.includes(`(${target.length} selected)`),
            `the editor to select "${target}"`,
          );
          t.diagnostic(`after clicking ${target}: ${status}`);
          await frame
            .locator(`g.node.highlight[data-target="${target}"]`)
            .waitFor({ timeout: 30000 });
          await shot('graph-click', kind);

          // Promote from the palette and confirm the modal.
          const [to, from] = i === 0 ? ['staging', 'dev'] : ['prod', 'staging'];
          await d.runCommand(page, 'Atmos Deployments: Promote…');
          const pick = page
            .locator('.quick-input-widget .monaco-list-row', { hasText: to })
            .first();
          await pick.waitFor({ timeout: 30000 });
          await shot('promote-pick', kind);
          await pick.click();
          const dialog = page.locator('.monaco-dialog-box');
          const waitForModal = () =>
            pollUntil(
              async () => {
                if (await dialog.isVisible().catch(() => false)) return 'dialog';
                const n = await d.readNotifications(page);
                return n.find((m) => /Atmos Deployments:|nothing to do/.test(m))
                  ? 'notification'
                  : undefined;
              },
              { timeoutMs: 60000, what: 'the approval modal or a notification' },
            );
          let outcome = await waitForModal();
          const tagsBefore = recordTags(ws, to);
          if (outcome === 'dialog' && to === 'prod') {
            // Enter alone never approves prod: it presses the focused default button, which is
            // Review Plan (it opens the plan and writes nothing), not the approving one.
            const all = await dialog.locator('.monaco-button').allInnerTexts();
            const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
            t.diagnostic(`prod modal buttons: ${all.join(' | ')}; focused "${focused}"`);
            assert.ok(all.includes('Approve and roll out to prod'), all.join(' | '));
            await shot('approval-enter', kind);
            await page.keyboard.press('Enter');
            await dialog.waitFor({ state: 'hidden', timeout: 30000 });
            const after = await waitForText(
              () => d.readNotifications(page),
              (n) => n.some((m) => /^Cancelled: nothing was written\./.test(m)),
              'the cancelled notice after Enter on the prod modal',
            );
            t.diagnostic(`after Enter: ${after.join(' | ')}`);
            assert.ok(!after.some((m) => /^Recorded|^Rolled out/.test(m)), after.join(' | '));
            await page
              .locator('.tabs-container .tab', { hasText: 'Approve and promote payment-service' })
              .first()
              .waitFor({ timeout: 30000 });
            await shot('approval-after-enter', kind);
            assert.deepEqual(recordTags(ws, to), tagsBefore, 'Enter recorded nothing');
            await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
            // Back to the deployment file (the plan document took the focus), then approve.
            await d.openFile(page, 'deployments/payment-service.yaml');
            await d.runCommand(page, 'Atmos Deployments: Promote…');
            await pick.waitFor({ timeout: 30000 });
            await pick.click();
            outcome = await waitForModal();
          }
          if (outcome !== 'dialog') {
            const n = await d.readNotifications(page);
            await shot('promote-refused', kind);
            assert.fail(`the promotion ${from} → ${to} was refused: ${n.join(' | ')}`);
          }
          const text = await dialog.innerText();
          t.diagnostic(`modal (${kind}): ${text.replace(/\s+/g, ' ')}`);
          assert.match(text, new RegExp(`${from} → ${to}`));
          // The plan names who acts and the subject of the commit that moves.
          assert.match(text, /^As: Demo <demo@example\.com>$/m);
          const subject = git(ws, 'log', '-1', '--format=%s');
          assert.ok(text.includes(`${git(ws, 'rev-parse', '--short=7', 'HEAD')} ${subject}`), text);
          await shot('approval', kind);
          const button = to === 'prod' ? 'Approve and roll out to prod' : 'Promote';
          const buttons = await dialog.locator('.monaco-button').allInnerTexts();
          assert.ok(buttons.includes(button), `modal buttons: ${buttons.join(' | ')}`);
          await dialog.locator('.monaco-button', { hasText: button }).first().click();
          // Only the success toast ends this wait: an error toast also starts with the
          // extension's name, so a refusal now times out here with the toasts it showed. No
          // deploy command is set here, so it says only records were written.
          const success = new RegExp(
            `^Recorded the rollout of payment-service to ${to} from ${from}: .* \\(no deploy command configured\\)\\. (\\d+) tags? recorded\\.`,
          );
          const done = await waitForText(
            () => d.readNotifications(page),
            (n) => n.some((m) => success.test(m)),
            `the success toast of ${from} → ${to}`,
            60000,
          );
          t.diagnostic(`result (${kind}): ${done.join(' | ')}`);
          await shot('promoted', kind);
          // The notification counts the tags (their names go to the log and the history) and
          // offers the history.
          const toast = done.find((m) => success.test(m));
          assert.ok(
            !toast.includes('atmos/deployments/'),
            `a short result naming no tags: ${toast}`,
          );
          const toastButtons = await page.evaluate(() =>
            Array.from(
              document.querySelectorAll(
                '.notifications-toasts .notification-list-item .monaco-button',
              ),
            ).map((b) => b.innerText.trim()),
          );
          assert.ok(toastButtons.includes('Show History'), `notification buttons: ${toastButtons}`);
          assert.ok(
            toastButtons.includes('Set Deploy Command'),
            `notification buttons: ${toastButtons}`,
          );
          // The records, as plain git sees them: every component of the target at the source's
          // commit, and one new tag per component that names the source.
          const head = git(ws, 'rev-parse', 'HEAD');
          const refs = deploymentRefs(ws, to);
          assert.equal(refs.length, 3, `three component refs for ${to}: ${refs.join(' | ')}`);
          for (const line of refs) assert.ok(line.startsWith(`${head} `), `${line} is at ${head}`);
          const added = recordTags(ws, to).filter((tag) => !tagsBefore.includes(tag));
          assert.equal(added.length, 3, `three new tags for ${to}: ${added.join(' | ')}`);
          assert.equal(Number(success.exec(toast)[1]), added.length, toast);
          for (const tag of added)
            assert.match(
              git(ws, 'cat-file', '-p', tag),
              new RegExp(`^promoted_from: ${from}$`, 'm'),
            );
          await page.keyboard.press('Escape');
          await d.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
        }

        // Once prod is promoted (after the dark pass): carol asks for the next prod rollout with the
        // CLI (`rollout --wait`, which times out here and leaves the request open). The editor
        // (demo@example.com) shows it as yours to approve, with the status bar count; the shot
        // is the README's. The demo then declines it with the CLI, so the in-host suite starts
        // with no open request.
        await requestStep(THEMES[THEMES.length - 1].kind);

        // A hostile target name is text everywhere and runs nothing.
        const rows = await d.readTreeView(page, 'Promotions', { minRows: 3 });
        assert.ok(
          rows.some((r) => r.startsWith(HOSTILE_NAME)),
          `the tree shows the hostile name as text: ${JSON.stringify(rows)}`,
        );
        // Show Graph follows the active editor's deployment.
        await d.openFile(page, 'deployments/hostile.yaml');
        await d.runCommand(page, 'Atmos Deployments: Show Graph');
        const frame = await graphFrame(page);
        const seen = await waitForText(
          () =>
            frame.evaluate(() => ({
              names: Array.from(document.querySelectorAll('g.node text.name')).map(
                (n) => n.textContent,
              ),
              images: document.querySelectorAll('img, image, foreignObject, iframe').length,
            })),
          (g) => g.names.length === 2,
          'the hostile graph to draw its 2 nodes',
        );
        t.diagnostic(`hostile graph: ${JSON.stringify(seen)}; dialogs: ${dialogs.length}`);
        assert.ok(seen.names.includes(HOSTILE_NAME), 'the name is drawn as text');
        assert.equal(seen.images, 0, 'no element was created from the name');
        assert.deepEqual(dialogs, [], 'no alert ran');
        await shot('hostile', 'dark');

        // High contrast: the tree and the graph take their colours from the theme, so every
        // label must stay readable; the graph's texts are checked for contrast with their boxes.
        await d.setColorTheme(page, HIGH_CONTRAST);
        await d.runCommand(page, 'Atmos Deployments: Focus on Promotions View');
        const hcRows = await waitForText(
          () => d.readTreeView(page, 'Promotions', { minRows: 3 }),
          (r) => r.some((x) => x.includes('staging → prod')),
          'the Promotions tree in high contrast',
        );
        t.diagnostic(`tree (high-contrast): ${hcRows.length} rows`);
        await shot('tree', 'high-contrast');
        await d.openFile(page, 'deployments/payment-service.yaml');
        // Show Graph follows the active editor, so wait until the YAML tab is the active one.
        await page
          .locator('.tabs-container .tab.active', { hasText: 'payment-service.yaml' })
          .first()
          .waitFor({ timeout: 30000 });
        await d.runCommand(page, 'Atmos Deployments: Show Graph');
        // The hostile graph's frame may still be around; read whichever frame shows prod.
        const contrast = await waitForText(
          async () => {
            for (const f of d.webviewFrames(page).reverse()) {
              const c = await f.evaluate(graphContrast).catch(() => []);
              if (c.some((n) => n.text === 'prod')) return c;
            }
            return [];
          },
          (c) => c.length === 3 && c.every((n) => n.ratio > 0),
          'the payment-service graph to draw its 3 nodes in high contrast',
        );
        t.diagnostic(`graph contrast (high-contrast): ${JSON.stringify(contrast)}`);
        for (const n of contrast)
          assert.ok(n.ratio >= 4.5, `${n.text}: "${n.worst}" contrast ${n.ratio.toFixed(2)} < 4.5`);
        await shot('graph', 'high-contrast');
      } catch (e) {
        await d.screenshot(page, path.join(OUT_DIR, 'ui-failure.png')).catch(() => {});
        e.message += `\n--- browser console (last 20)\n${consoleLines.slice(-20).join('\n')}\n${serverLog()}`;
        throw e;
      } finally {
        await browser.close();
      }

      await t.test('in-host suite in the git workspace exits 0', async () => {
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
      });
    } finally {
      await vscode?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  },
);
