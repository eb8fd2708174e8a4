/**
 * Run counts. The full run stays under about ten minutes on a two-core machine;
 * BENCH_QUICK=1 is a smoke pass (small sizes, few runs) to check the bench itself works.
 */
export const QUICK = process.env.BENCH_QUICK === '1';

export interface SizePlan {
  targets: number;
  warmup: number;
  runs: number;
  /** Runs of completion and hover, which are cheap. */
  requestRuns: number;
}

/** BENCH_LSP_TARGETS=1000,5000 keeps only those sizes of the language server case. */
const LSP_ONLY = process.env.BENCH_LSP_TARGETS?.split(',').map(Number);

const LSP_PLANS: SizePlan[] = QUICK
  ? [
      { targets: 10, warmup: 1, runs: 3, requestRuns: 5 },
      { targets: 100, warmup: 1, runs: 3, requestRuns: 5 },
      { targets: 1000, warmup: 1, runs: 3, requestRuns: 5 },
    ]
  : [
      { targets: 10, warmup: 2, runs: 10, requestRuns: 20 },
      { targets: 100, warmup: 2, runs: 10, requestRuns: 20 },
      { targets: 1000, warmup: 1, runs: 7, requestRuns: 15 },
      { targets: 5000, warmup: 1, runs: 5, requestRuns: 10 },
    ];

export const LSP_SIZES: SizePlan[] = LSP_PLANS.filter(
  (p) => !LSP_ONLY || LSP_ONLY.includes(p.targets),
);

export const WORKSPACE = QUICK
  ? { files: 100, targetsPerFile: 10, warmup: 0, runs: 2 }
  : { files: 500, targetsPerFile: 10, warmup: 1, runs: 5 };

export const GIT = QUICK
  ? { deploymentRefs: 1000, tags: 5000, rolloutComponents: 20, historyTags: 1000, runs: 2 }
  : { deploymentRefs: 10000, tags: 50000, rolloutComponents: 100, historyTags: 10000, runs: 5 };

/** How long to wait for diagnostics before calling an operation failed. */
export const DIAGNOSTICS_TIMEOUT_MS = 120_000;
