/**
 * Case 4a: activation time, as VS Code itself measures it. A real VS Code (code-server, the
 * same rig as `npm test`'s editor stage) opens a workspace with a deployment file; headless
 * chromium runs "Developer: Show Running Extensions", and the times that editor shows are read
 * for our extension and, as the baseline from the same extension host, for the built-in ones
 * (Git, Emmet, ...). Each run reloads the window, which starts a new extension host.
 *
 * VS Code's number is loading the extension's code plus the synchronous part of `activate`
 * (codeLoadingTime + activateCallTime in its source); the language server then starts while
 * `activate`'s promise is pending, which that editor does not count.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../servers';
import { summarize, sleep, type Summary } from '../stats';
import type { Log } from './lsp';

export interface ActivationResult {
  /** Startup or on-demand activation times in ms, per extension label as VS Code shows it. */
  extensions: Record<string, Summary>;
  /** The label our extension has in that editor. */
  ours?: string;
  error?: string;
}

/** What a user's repository looks like: one deployment file, one commit. */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-bench-activation-'));
  mkdirSync(path.join(dir, 'deployments'));
  writeFileSync(
    path.join(dir, 'deployments', 'payment-service.yaml'),
    'deployment:\n  name: payment-service\n  components:\n    terraform:\n      api: {}\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: dev\n',
  );
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env } });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'add', '.');
  git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'init');
  return dir;
}

/**
 * The Running Extensions editor lists, per extension: its name, version, host, then a line
 * `Startup Activation: 267ms` or `Activation: 42ms`.
 */
export function parseRunningExtensions(text: string): Map<string, number> {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const out = new Map<string, number>();
  lines.forEach((line, i) => {
    const m = /^(?:Startup )?Activation: (\d+)\s*ms$/.exec(line);
    if (m && i >= 3) out.set(lines[i - 3], Number(m[1]));
  });
  return out;
}

/** The editor rig's modules (plain ESM shared with the tests), by file URL. */
function rig(file: string): string {
  return pathToFileURL(path.join(ROOT, 'test', 'vscode', file)).href;
}

export async function runActivationCase(log: Log, runs: number): Promise<ActivationResult> {
  // The editor rig is plain ESM shared with the tests; it is loaded only when this case runs.
  const { start } = (await import(rig('code-server.mjs'))) as {
    start: (o: object) => Promise<{
      workbenchUrl: (o?: object) => string;
      stop: () => Promise<void>;
    }>;
  };
  const driver = (await import(rig('driver.mjs'))) as {
    launch: () => Promise<{ browser: { close(): Promise<void> }; page: Page }>;
    waitForWorkbench: (page: Page) => Promise<void>;
    runCommand: (page: Page, title: string) => Promise<void>;
  };
  const folder = workspace();
  const samples = new Map<string, number[]>();
  let ours: string | undefined;
  const vscode = await start({ folder, extensionDevelopmentPath: ROOT });
  const { browser, page } = await driver.launch();
  try {
    for (let run = 0; run < runs; run++) {
      if (run === 0) await page.goto(vscode.workbenchUrl());
      else await page.reload();
      await driver.waitForWorkbench(page);
      // Startup activations finish after the workbench is drawn; wait until ours is listed.
      let found: Map<string, number> | undefined;
      for (let attempt = 0; attempt < 20 && !found; attempt++) {
        await driver.runCommand(page, 'Developer: Show Running Extensions');
        const text = await page
          .locator('.runtime-extensions-editor')
          .innerText({ timeout: 10_000 })
          .catch(() => '');
        const parsed = parseRunningExtensions(text);
        const label = [...parsed.keys()].find((k) => /atmos/i.test(k));
        if (label) {
          ours = label;
          found = parsed;
        } else await sleep(1000);
      }
      if (!found) throw new Error('our extension never appeared in Running Extensions');
      for (const [label, ms] of found) {
        if (!samples.has(label)) samples.set(label, []);
        samples.get(label)!.push(ms);
      }
      log(`activation run ${run + 1}: ours ${found.get(ours!)} ms`);
    }
  } finally {
    await browser.close().catch(() => undefined);
    await vscode.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  const extensions: Record<string, Summary> = {};
  for (const [label, list] of samples) extensions[label] = summarize(list);
  return { extensions, ours };
}

interface Page {
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  locator(selector: string): { innerText(o?: { timeout?: number }): Promise<string> };
}
