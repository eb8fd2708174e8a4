/**
 * `npm run bench`: every case of issue 8 in one run, so ratios compare numbers taken on the
 * same machine under the same load. Writes bench/results/latest.json after each case (a crash
 * late in the run keeps what was measured) and rewrites the tables of docs/performance.md.
 *
 * BENCH_QUICK=1: a smoke pass with small sizes and few runs.
 * BENCH_ONLY=lsp,workspace,git,history,timeline,status,openfirst,validate,clones,extension:
 * run only these cases (docs are then left alone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runActivationCase } from './cases/activation';
import { runExtensionCase } from './cases/extension';
import { runClonesCase } from './cases/clones';
import { runGitCase } from './cases/git';
import { runHistoryCase } from './cases/history';
import { runTimelineCase } from './cases/timeline';
import { runWorkspaceStatusCase } from './cases/workspace-status';
import { runLspCase } from './cases/lsp';
import { runOpenFirstCase } from './cases/open-first';
import { runValidateCase } from './cases/validate';
import { runWorkspaceCase } from './cases/workspace';
import { QUICK } from './config';
import { machineInfo } from './machine';
import { evaluateTargets, writePerformanceDoc, type BenchResults } from './report';
import { ROOT } from './servers';
import { nowMs } from './stats';

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const want = (c: string) => !only || only.includes(c);
  const t0 = nowMs();
  const log = (message: string) =>
    console.log(`[bench ${((nowMs() - t0) / 1000).toFixed(0).padStart(4)} s] ${message}`);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    durationS: 0,
    quick: QUICK,
    machine: machineInfo(),
  };
  const outDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const save = () => {
    results.durationS = (nowMs() - t0) / 1000;
    results.targets = evaluateTargets(results);
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  };
  log(
    `${results.machine.cpu}, ${results.machine.cores} cores, load ${results.machine.loadAverage.join(' ')}${QUICK ? ' (BENCH_QUICK)' : ''}`,
  );
  if (want('lsp')) {
    results.lsp = await runLspCase(log);
    save();
  }
  if (want('workspace')) {
    results.workspace = await runWorkspaceCase(log);
    save();
  }
  if (want('git')) {
    results.git = await runGitCase(log);
    save();
  }
  if (want('history')) {
    results.history = await runHistoryCase(log);
    save();
  }
  if (want('timeline')) {
    results.timeline = runTimelineCase(log);
    save();
  }
  if (want('status')) {
    results.workspaceStatus = await runWorkspaceStatusCase(log);
    save();
  }
  if (want('openfirst')) {
    results.openFirst = await runOpenFirstCase(log);
    save();
  }
  if (want('validate')) {
    results.validate = runValidateCase(log);
    save();
  }
  if (want('clones')) {
    results.clones = await runClonesCase(log);
    save();
  }
  if (want('extension')) {
    results.extension = runExtensionCase(log, !QUICK);
    save();
    try {
      results.extension.activationRun = await runActivationCase(log, QUICK ? 2 : 5);
    } catch (err) {
      // The editor rig may be missing (no chromium): the sizes still stand; say why.
      results.extension.activationRun = {
        extensions: {},
        error: err instanceof Error ? err.message.split('\n')[0] : String(err),
      };
    }
    save();
  }
  if (!only) writePerformanceDoc(path.join(ROOT, 'docs', 'performance.md'), results);
  for (const t of results.targets ?? [])
    log(`target ${t.met.padEnd(3)} ${t.target}: ${t.measured} (limit ${t.limit})`);
  log(`done; results in bench/results/latest.json${only ? '' : ', tables in docs/performance.md'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
