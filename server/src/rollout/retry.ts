/**
 * Retrying a write that lost a race (design section 5: records are shared through one remote,
 * written with compare-and-swap). When twenty people promote at once, most of their pushes
 * lose to another push of the same moment; running the command again is what each of them
 * would do, and it is safe whenever the new state does not change what they decided. The
 * rollout and the approval both go through here.
 */
import { RolloutError, LostRace } from './errors';
import type { RolloutPlan } from './types';

/** How long a command keeps trying after lost races before it says so and stops. */
export const RETRY_FOR_MS = 120_000;

export interface RetryOptions {
  /** Stops retrying (the caller's cancellation). */
  signal?: AbortSignal;
  /** Says that it tries again, and why. */
  progress?: (line: string) => void;
  /** What it is, for the progress line: `rollout`, `approval`. */
  what: string;
  /** Overrides RETRY_FOR_MS (tests). */
  forMs?: number;
}

/**
 * Runs `attempt` until it succeeds, fails for another reason than a lost race, or has tried for
 * `forMs`. `attempt` gets its number (1, 2, …) and decides itself whether a retry is still safe
 * (it throws something other than LostRace when not). Between attempts it waits a random time
 * up to a bound that doubles each time ("full jitter"), so writers who collided spread out
 * instead of colliding again in step.
 */
export async function retryLostRaces<T>(
  attempt: (n: number) => Promise<T>,
  o: RetryOptions,
): Promise<T> {
  const started = Date.now();
  const forMs = o.forMs ?? RETRY_FOR_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const again = err instanceof LostRace && !o.signal?.aborted && Date.now() - started < forMs;
      if (!again) throw err;
      // The first sentence of the loss says where it was lost (the remote or this clone).
      const why = err.message.split(/\.(\s|$)/)[0];
      o.progress?.(
        `→ Another ${o.what} recorded first (${why}); reading its records and trying again (attempt ${n + 1})`,
      );
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(4000, 100 * 2 ** n)));
    }
  }
}

/**
 * After a lost race, a rollout is only written again if the user would still decide the same:
 * the target still runs what the first plan showed as current, and the same SHAs are planned.
 * Another rollout that recorded exactly this plan leaves nothing to do, which the caller
 * reports as such. Anything else is a conflict the user must look at.
 */
export function checkReplan(first: RolloutPlan, plan: RolloutPlan): void {
  if (plan.nothingToDo) return;
  const key = (p: RolloutPlan, f: (c: RolloutPlan['components'][number]) => string | undefined) =>
    p.components
      .map((c) => `${c.component}=${f(c) ?? ''}`)
      .sort()
      .join(' ');
  const current = (p: RolloutPlan) => key(p, (c) => c.currentSha);
  const planned = (p: RolloutPlan) => key(p, (c) => c.sha);
  if (current(first) === current(plan) && planned(first) === planned(plan)) return;
  const moved = current(first) !== current(plan);
  throw new RolloutError(
    'conflict',
    moved
      ? `Another rollout changed these deployment records at the same time; nothing was written. ${plan.target} now runs ${describe(plan, 'currentSha')} instead of ${describe(first, 'currentSha')}, which this rollout was planned from. Run the command again to roll out over it.`
      : `Another rollout changed these deployment records at the same time; nothing was written. The plan is now ${describe(plan, 'sha')} instead of ${describe(first, 'sha')} (its source moved). Run the command again to roll out the new plan.`,
  );
}

function describe(plan: RolloutPlan, field: 'sha' | 'currentSha'): string {
  return (
    plan.components.map((c) => `${c.component} ${(c[field] ?? '(none)').slice(0, 9)}`).join(', ') ||
    'nothing'
  );
}
