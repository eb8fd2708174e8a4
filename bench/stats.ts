/** Timing and summary helpers shared by the cases. */

export interface Summary {
  runs: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  /** Every sample, in milliseconds (or bytes for memory), in the order measured. */
  samples: number[];
}

/** The nearest-rank percentile of already measured samples. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length === 0
      ? NaN
      : sorted.length % 2
        ? sorted[mid]
        : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    runs: samples.length,
    median,
    p95: percentile(samples, 95),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    samples,
  };
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times measured. */
export async function measure(
  warmup: number,
  runs: number,
  fn: (i: number) => Promise<number> | number,
): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await fn(i));
  return summarize(samples);
}

/** Times one call of `fn` in milliseconds. */
export async function time(fn: () => unknown): Promise<number> {
  const t0 = nowMs();
  await fn();
  return nowMs() - t0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
