/**
 * Case 2: a workspace of many deployment files. The clock starts before the server process is
 * spawned and stops when diagnostics have arrived for every file, which is what a user opening
 * the folder waits for. Each file carries one `unknown-key` warning: the server publishes
 * nothing for a clean file it has not opened, so a warning is the only visible sign that an
 * unopened file was checked.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKSPACE } from '../config';
import { generateDeployment } from '../generate';
import { LspClient } from '../lsp-client';
import { unavailable, type Metric } from '../metric';
import { atmosServer } from '../servers';
import { measure, nowMs, sleep } from '../stats';
import type { Log } from './lsp';

export interface WorkspaceResult {
  files: number;
  targetsPerFile: number;
  /** How the time was taken: from the index at start, or after opening every file. */
  mode: 'indexed at start' | 'after opening every file' | 'not available';
  startToAllDiagnostics: Metric;
  peakRss?: number;
  notes: string[];
}

export async function runWorkspaceCase(log: Log): Promise<WorkspaceResult> {
  const root = mkdtempSync(path.join(tmpdir(), 'atmos-bench-ws-'));
  const uris: string[] = [];
  const texts: string[] = [];
  for (let i = 0; i < WORKSPACE.files; i++) {
    // Spread over folders as a monorepo would, one deployments/ folder per team.
    const dir = path.join(root, `team-${i % 20}`, 'deployments');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `service-${i}.yaml`);
    const { text } = generateDeployment({
      name: `service-${i}`,
      targets: WORKSPACE.targetsPerFile,
      withWarning: true,
    });
    writeFileSync(file, text);
    uris.push(pathToFileURL(file).href);
    texts.push(text);
  }
  const result: WorkspaceResult = {
    files: WORKSPACE.files,
    targetsPerFile: WORKSPACE.targetsPerFile,
    mode: 'indexed at start',
    startToAllDiagnostics: unavailable('not measured'),
    notes: [],
  };
  try {
    const first = await oneRun(root, uris, texts, false);
    if (first.ms === undefined) {
      result.notes.push(
        `The server published diagnostics for ${first.seen} of ${uris.length} unopened files within ${first.waitedS} s, so the time is taken after opening every file instead.`,
      );
      result.mode = 'after opening every file';
    }
    const openAll = result.mode !== 'indexed at start';
    let failed: string | undefined;
    let peak = 0;
    result.startToAllDiagnostics = await measure(WORKSPACE.warmup, WORKSPACE.runs, async () => {
      if (failed) return NaN;
      const r = await oneRun(root, uris, texts, openAll);
      peak = Math.max(peak, r.peakRss ?? 0);
      if (r.ms === undefined) failed = `diagnostics for ${r.seen} of ${uris.length} files`;
      return r.ms ?? NaN;
    });
    if (failed) {
      result.mode = 'not available';
      result.startToAllDiagnostics = unavailable(failed);
    }
    result.peakRss = peak || undefined;
    log(
      `workspace ${uris.length} files (${result.mode}): ${'median' in result.startToAllDiagnostics ? `${result.startToAllDiagnostics.median.toFixed(0)} ms` : 'n/a'}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return result;
}

async function oneRun(
  root: string,
  uris: string[],
  texts: string[],
  openAll: boolean,
): Promise<{ ms?: number; seen: number; waitedS: number; peakRss?: number }> {
  const t0 = nowMs();
  const client = LspClient.spawn(atmosServer(), root);
  const waitedS = 60;
  try {
    await client.initialize(root);
    if (openAll) for (let i = 0; i < uris.length; i++) await client.open(uris[i], texts[i]);
    // The server may spell URIs its own way (encoding, case), so count files by name.
    const names = new Set(uris.map((u) => path.basename(new URL(u).pathname)));
    const seen = () =>
      new Set(
        [...client.published.entries()]
          .filter(([, list]) => list[list.length - 1].diagnostics.length > 0)
          .map(([u]) => path.basename(decodeURIComponent(new URL(u).pathname)))
          .filter((n) => names.has(n)),
      );
    const deadline = t0 + waitedS * 1000;
    while (seen().size < names.size && nowMs() < deadline) await sleep(2);
    const done = seen().size;
    if (done < names.size) return { seen: done, waitedS };
    const ends = [...client.published.values()].map((l) => l[l.length - 1].at);
    return { ms: Math.max(...ends) - t0, seen: done, waitedS, peakRss: client.peakRss() };
  } finally {
    await client.stop();
  }
}
