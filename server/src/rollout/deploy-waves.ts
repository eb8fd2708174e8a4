/**
 * The deploy step of a rollout in dependency waves: every component after what it depends on
 * (`metadata.depends_on`, Kahn's order from the core), the components of one wave at once up to
 * a bound. A component whose deploy step fails is failed; the ones that need it are not run and
 * are failed too, naming it. Nothing here writes records: the rollout records every outcome in
 * its one transaction afterwards (design section 5).
 */
import { availableParallelism } from 'node:os';
import {
  deployNeeds,
  deployVars,
  deployWaves,
  findTarget,
  type Component,
  type Deployment,
} from '../core';
import { shortSha } from './plan-text';
import type {
  ApplyOptions,
  DeployOutcome,
  DeployStep,
  PlannedComponent,
  RolloutPlan,
} from './types';

export interface StepResult {
  ok: boolean;
  reason?: string;
  output?: string;
}

/** The waves of a plan's components, by the committed rules' dependencies. */
export function planWaves(deployment: Deployment, plan: RolloutPlan): string[][] {
  return deployWaves(
    deployment,
    plan.components.map((c) => c.component),
  );
}

/** `→ Wave 2 of 3: ecr/api, db` for each wave, as the dry run and the deploy print them. */
export function waveLine(waves: string[][], i: number, parallelism?: number): string {
  const bound =
    parallelism !== undefined && waves[i].length > parallelism ? ` (${parallelism} at a time)` : '';
  return `→ Wave ${i + 1} of ${waves.length}: ${waves[i].join(', ')}${bound}`;
}

/** What the deploy command of one component is told: its type, the stacks, its merged vars. */
export function deployStep(deployment: Deployment, plan: RolloutPlan, name: string): DeployStep {
  // A name declared under two types is a component-path-conflict error, refused before any
  // rollout; the first declaration stands in for it here.
  const c: Component | undefined = deployment.components.find((x) => x.name === name);
  const target = findTarget(deployment, plan.target);
  return {
    type: c?.type ?? '',
    stacks: deployment.stacks,
    vars: c && target ? deployVars(c, target) : { ...(c?.vars ?? {}) },
  };
}

/** The default bound: as many components at once as the machine has cores. */
export function defaultParallelism(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs `deploy` for every planned component, wave by wave, and says how each ended. Never
 * rejects: a deploy step that throws counts as failed, since the rollout must still record it.
 */
export async function runWaves(
  deployment: Deployment,
  plan: RolloutPlan,
  deploy: NonNullable<ApplyOptions['deploy']>,
  options: {
    parallelism?: number;
    progress: (line: string) => void;
    stop?: AbortSignal;
    onWave?: (index: number, waves: string[][]) => void;
  },
): Promise<{ waves: string[][]; results: Map<string, StepResult> }> {
  const parallelism = Math.max(1, options.parallelism ?? defaultParallelism());
  const names = plan.components.map((c) => c.component);
  const waves = deployWaves(deployment, names);
  const needs = deployNeeds(deployment, names);
  const byName = new Map(plan.components.map((c) => [c.component, c]));
  const results = new Map<string, StepResult>();
  const failed = new Set<string>();
  for (let i = 0; i < waves.length; i++) {
    if (options.stop?.aborted) {
      // Interrupted: nothing more starts, and every component left is recorded as not run.
      for (const name of waves.slice(i).flat()) {
        results.set(name, { ok: false, reason: 'not run: the rollout was interrupted' });
        failed.add(name);
      }
      options.progress(`✗ Interrupted: not run: ${waves.slice(i).flat().join(', ')}.`);
      break;
    }
    options.onWave?.(i, waves);
    options.progress(waveLine(waves, i, parallelism));
    const ready: PlannedComponent[] = [];
    for (const name of waves[i]) {
      // Everything this component needs ran in an earlier wave; a failure there stops it.
      const stoppedBy = [...needs.get(name)!].filter((d) => failed.has(d));
      if (stoppedBy.length) {
        const reason = `not run: it depends on ${stoppedBy.join(', ')}, whose deploy step failed`;
        options.progress(`✗ ${name}: ${reason}.`);
        results.set(name, { ok: false, reason });
        failed.add(name);
      } else ready.push(byName.get(name)!);
    }
    await pool(ready, parallelism, async (c) => {
      if (options.stop?.aborted) {
        const reason = 'not run: the rollout was interrupted';
        results.set(c.component, { ok: false, reason });
        failed.add(c.component);
        return;
      }
      options.progress(`→ Deploying ${c.component} (${shortSha(c.sha)}) to ${plan.target}...`);
      const step = deployStep(deployment, plan, c.component);
      const outcome = await deploy(c, plan, step, options.stop).then(
        (r): DeployOutcome => (typeof r === 'boolean' ? { ok: r } : r),
        (err: unknown): DeployOutcome => ({ ok: false, reason: String(err) }),
      );
      const reason = outcome.ok ? undefined : (outcome.reason ?? 'the deploy step failed');
      if (!outcome.ok) {
        failed.add(c.component);
        options.progress(`✗ ${c.component}: ${reason}; its ref stays where it was.`);
      } else options.progress(`✓ ${c.component} deployed (${shortSha(c.sha)})`);
      results.set(c.component, { ok: outcome.ok, reason, output: outcome.output });
    });
  }
  return { waves, results };
}

/** Runs `work` on every item, at most `limit` at a time, and waits for all of them. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
