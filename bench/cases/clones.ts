/**
 * Many people at once (issue 18, item 5): the release-day workload of
 * test/git/mixed-workload.ts (every clone rolls the same commit out to dev, promotes it to its
 * own staging target, approves its own prod promotion and promotes to prod, each round all
 * clones at once, through one smart-HTTP remote) at 5, 10 and 20 clones. Each action is one
 * CLI process timed from spawn to exit, retries included. The floor is one clone doing the same
 * four actions alone, measured in the same run: what an action costs without anyone to race.
 */
import { QUICK } from '../config';
import { summarize, type Summary } from '../stats';
import type { Log } from './lsp';
import { failures, ROUNDS, runReleaseDay, type Round } from '../../test/git/mixed-workload';

const SIZES = QUICK ? [2, 5] : [5, 10, 20];

export interface ClonesSize {
  clones: number;
  rounds: Record<Round, Summary>;
  /** Actions that did not exit 0 (the goal is none). */
  failed: number;
  /** Actions that printed that they lost a race and tried again. */
  retried: number;
  wallMs: number;
}

export interface ClonesResult {
  /** One clone alone: each round's single action, repeated on fresh remotes. */
  alone: Record<Round, Summary>;
  sizes: ClonesSize[];
}

async function day(n: number): Promise<ClonesSize> {
  const t0 = performance.now();
  const w = await runReleaseDay(n);
  const wallMs = performance.now() - t0;
  await w.remote.stop();
  const rounds = {} as Record<Round, Summary>;
  for (const r of ROUNDS)
    rounds[r] = summarize(w.results.filter((x) => x.round === r).map((x) => x.ms));
  return {
    clones: n,
    rounds,
    failed: failures(w.results).length,
    retried: w.results.filter((x) => /trying again/.test(x.result.stdout + x.result.stderr)).length,
    wallMs,
  };
}

export async function runClonesCase(log: Log): Promise<ClonesResult> {
  const aloneSamples: Record<Round, number[]> = { dev: [], staging: [], approve: [], prod: [] };
  for (let i = 0; i < (QUICK ? 2 : 5); i++) {
    const one = await runReleaseDay(1);
    await one.remote.stop();
    for (const r of one.results) aloneSamples[r.round].push(r.ms);
  }
  const alone = {} as Record<Round, Summary>;
  for (const r of ROUNDS) alone[r] = summarize(aloneSamples[r]);
  log(`clones: alone ${ROUNDS.map((r) => `${r} ${alone[r].median.toFixed(0)} ms`).join(', ')}`);
  const sizes: ClonesSize[] = [];
  for (const n of SIZES) {
    const s = await day(n);
    sizes.push(s);
    log(
      `clones: ${n} at once, ${s.failed} failed, ${s.retried} retried, ${ROUNDS.map((r) => `${r} p50 ${s.rounds[r].median.toFixed(0)} p95 ${s.rounds[r].p95.toFixed(0)} ms`).join(', ')}`,
    );
  }
  return { alone, sizes };
}

const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;

export function clonesTables(r: ClonesResult): string[] {
  return [
    '### 10. Many people at once',
    '',
    'The release-day workload of `test/git/mixed-workload.ts` through one smart-HTTP remote (`git http-backend`): in four rounds, every clone at once rolls the same commit out to `dev` (all race for the same refs), promotes `dev` to its own staging target, approves its own prod promotion (all append to the one approvals notes ref) and promotes to prod. Each action is one `node dist/cli.js … --remote origin` process, timed from spawn to exit, retries included; the machine runs all of them at once. *alone* is one clone doing the same action with nobody to race, in the same run.',
    '',
    '| clones | action | p50 | p95 | alone (p50) | p50/alone | failed | retried | wall |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.sizes.flatMap((s) =>
      ROUNDS.map(
        (round, i) =>
          `| ${i === 0 ? s.clones : ''} | ${round} | ${ms(s.rounds[round].median)} | ${ms(s.rounds[round].p95)} | ${ms(r.alone[round].median)} | ${(s.rounds[round].median / r.alone[round].median).toFixed(1)}× | ${i === 0 ? s.failed : ''} | ${i === 0 ? s.retried : ''} | ${i === 0 ? ms(s.wallMs) : ''} |`,
      ),
    ),
    '',
    "- Every action of these runs is one process on a machine that runs all of them at once, so the p50 at N clones includes waiting for the cores as well as for the other pushes; *retried* counts the actions that lost a race, read the winner's records and tried again (`rollout/retry.ts`).",
    '',
  ];
}
