/**
 * A record pushed now must follow the rules in force now. `policy_sha` must be on the policy
 * branch, but an old commit of that branch is on it too: a rollout run with `--policy-rev`
 * pointing at the commit before `requires_approval` was added would otherwise be accepted. So
 * for what a push adds (pre-receive), the pushed record's target must have the same promotion
 * rules at its `policy_sha` as on the policy branch's tip. A full `verify` of history cannot
 * tell when the branch moved, so this check belongs to the push, where "now" is known.
 */
import type { Deployment } from '../model';
import { displayName } from '../names';
import type { Policies } from './policies';
import { short, type TrailRecord } from './records';
import type { TrailInput, VerifyFinding } from './types';

/** A target's promotion rules as comparable text: every field but the source positions. */
export function promotionRulesText(deployment: Deployment, target: string): string | undefined {
  const t = deployment.targets.find((x) => x.name === target);
  if (!t) return undefined;
  return JSON.stringify(t.promotion ?? null, (key, value: unknown) =>
    /range$/i.test(key) || key === 'index' ? undefined : value,
  );
}

export function outdatedPolicies(
  input: TrailInput,
  records: TrailRecord[],
  policies: Policies,
): VerifyFinding[] {
  const tip = input.policyTip;
  if (!input.onlyRefs || !tip) return [];
  const out: VerifyFinding[] = [];
  for (const r of records) {
    const policy = r.record.policy_sha;
    if (!input.onlyRefs.has(r.ref) || !policy || policy === tip) continue;
    const then = policies.deploymentAt(policy, r.record.deployment);
    const now = policies.deploymentAt(tip, r.record.deployment);
    // A policy commit that cannot be read is its own finding (policy-unreadable).
    if (!then || !now) continue;
    const rulesThen = promotionRulesText(then, r.record.target);
    const rulesNow = promotionRulesText(now, r.record.target);
    if (rulesThen === rulesNow) continue;
    out.push({
      code: 'policy-outdated',
      ref: r.ref,
      message: `Its rules were read from ${short(policy)}, but the policy branch (${input.policyName}, ${short(tip)}) now holds other promotion rules for ${displayName(r.record.target)}: a record pushed now must follow the rules in force now.`,
      deployment: r.record.deployment,
      target: r.record.target,
      component: r.record.component,
      timestamp: r.record.timestamp,
    });
  }
  return out;
}
