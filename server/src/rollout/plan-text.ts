/** How a plan reads for people: the spec's `→` lines, component lists and the approve command. */
import { COMMITS_AHEAD_LIMIT, type RolloutPlan } from './types';

export function shortSha(sha: string): string {
  return sha.slice(0, 9);
}

/** `api abc123def, worker abc123def` */
export function describeComponents(plan: RolloutPlan): string {
  return plan.components.map((c) => `${c.component} ${shortSha(c.sha)}`).join(', ');
}

/**
 * What the first plan line says is about to happen: the spec's `Deploying` only when a deploy
 * step will run, `Rolling out` when only records are written, `Would roll out` in a dry run.
 */
export type PlanMode = 'deploy' | 'record' | 'dry-run';

/** The plan as the spec shows it before asking for approval. */
export function planLines(plan: RolloutPlan, mode: PlanMode = 'deploy'): string[] {
  const verb =
    mode === 'dry-run' ? 'Would roll out' : mode === 'record' ? 'Rolling out' : 'Deploying';
  const lines = [`→ ${verb} ${plan.deployment} to ${plan.target}`];
  if (plan.promotedFrom) lines.push(`→ Source: ${plan.promotedFrom}`);
  const shas = [...new Set(plan.components.map((c) => c.sha))];
  const subject = (sha: string) => (plan.subjects?.[sha] ? ` ${plan.subjects[sha]}` : '');
  if (plan.actor) lines.push(`→ As: ${plan.actor}`);
  if (shas.length === 1) lines.push(`→ Git SHA: ${shortSha(shas[0])}${subject(shas[0])}`);
  else
    for (const c of plan.components)
      lines.push(`→ Git SHA (${c.component}): ${shortSha(c.sha)}${subject(c.sha)}`);
  lines.push(`→ Components: ${plan.components.map((c) => c.component).join(', ')}`);
  if (plan.skipped.length)
    lines.push(`→ Skipped (nothing deployed in ${plan.promotedFrom}): ${plan.skipped.join(', ')}`);
  // None ahead while the SHAs change means the target runs newer commits: a rollback, or a
  // promotion of something older, which the reader should see as a move back.
  if (plan.commitsAhead === 0)
    lines.push(`→ No commits ahead: ${plan.target} runs newer commits, so this moves it back`);
  else if (plan.commitsAhead !== undefined) lines.push(`→ ${commitsAheadText(plan.commitsAhead)}`);
  return lines;
}

/** `3 commits ahead`, `1 commit ahead`, `10000+ commits ahead` at the counting limit. */
export function commitsAheadText(n: number): string {
  const count = n >= COMMITS_AHEAD_LIMIT ? `${COMMITS_AHEAD_LIMIT}+` : String(n);
  return `${count} commit${n === 1 ? '' : 's'} ahead`;
}

/** The command that records the approval this plan lacks. */
export function approveCommand(plan: RolloutPlan, requested?: string[]): string {
  const parts = ['atmos-deployments', 'approve', plan.deployment, '--target', plan.target];
  // A commit rollout is approved by its commit: `approve` plans the same rollout from it. A
  // rollback plan may restore several commits, which one --git-sha cannot name; it has its own
  // advice and never prints this command.
  const shas = [...new Set(plan.components.map((c) => c.sha))];
  if (plan.promotedFrom) parts.push('--promote-from', plan.promotedFrom);
  else if (shas.length === 1) parts.push('--git-sha', shas[0]);
  for (const c of requested ?? []) parts.push('--component', c);
  return parts.join(' ');
}
