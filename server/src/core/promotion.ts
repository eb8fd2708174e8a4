/**
 * The promotion check: the spec's ValidatePromotion, with the messages word for word, plus what
 * design section 4 adds (unknown names, cross-deployment sources, commits rolled straight onto
 * a target that has rules). Every face asks this function; none re-derives the rule.
 */
import { nearestName } from './distance';
import { displayName } from './names';
import { findTarget, targetNames, type Deployment, type Target } from './model';

export type PromotionRefusalReason =
  | 'unknown-target'
  | 'unknown-source'
  | 'cross-deployment'
  | 'self'
  | 'not-allowed'
  | 'needs-source';

export type PromotionDecision =
  | { ok: true; requiresApproval: boolean; entryPoint: boolean }
  | { ok: false; reason: PromotionRefusalReason; message: string };

/**
 * The sources a target accepts, or undefined when it accepts anything (an entry point, or a
 * promotion with neither `from` nor `allowed_from`). Empty when `from` or `allowed_from` is
 * written but names no target (`allowed_from: []`, a scalar, a list under `from`): such a
 * target accepts nothing until the config is fixed, rather than everything.
 */
export function allowedSources(target: Target): string[] | undefined {
  const p = target.promotion;
  if (!p) return undefined;
  if (p.from) return [p.from.value];
  if (p.allowedFrom) return p.allowedFrom.items.map((i) => i.value);
  if (p.fromKeyRange) return [];
  return undefined;
}

function unreadableRules(target: Target): boolean {
  const p = target.promotion;
  return (
    !!p && ((!!p.fromKeyRange && !p.from) || (!!p.allowedFrom && p.allowedFrom.items.length === 0))
  );
}

/** Names listed in a message; every unknown-source problem repeats the list, so it is bounded. */
const MAX_LISTED = 20;

export function knownTargetsText(deployment: Deployment): string {
  const names = [...new Set(targetNames(deployment))];
  if (!names.length) return 'It has no targets.';
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  return `Known targets: ${names.slice(0, MAX_LISTED).map(displayName).join(', ')}${more}.`;
}

/** ` Did you mean 'prod'?` for a mistyped target name (as the editor suggests), or ''. */
export function didYouMean(deployment: Deployment, name: string): string {
  const guess = nearestName(name, [...new Set(targetNames(deployment))]);
  return guess ? ` Did you mean '${displayName(guess)}'?` : '';
}

export function deploymentLabel(deployment: Deployment): string {
  return deployment.name ? displayName(deployment.name.value) : '(unnamed deployment)';
}

/**
 * A source named with its own deployment (`payment-service/dev` while promoting within
 * payment-service) is that deployment's target `dev`: only another deployment's name makes a
 * promotion cross deployments. Any other name comes back unchanged.
 */
export function ownSource(deployment: Deployment, source: string): string;
export function ownSource(deployment: Deployment, source: string | undefined): string | undefined;
export function ownSource(deployment: Deployment, source: string | undefined): string | undefined {
  const prefix = `${deployment.name?.value ?? ''}/`;
  if (source === undefined || prefix === '/' || !source.startsWith(prefix)) return source;
  const rest = source.slice(prefix.length);
  return rest && !rest.includes('/') ? rest : source;
}

/**
 * Can `from` be promoted to `to`? `from` undefined means a plain commit (`--git-sha`), which
 * only entry points and targets without source rules accept.
 */
export function checkPromotion(
  deployment: Deployment,
  to: string,
  source?: string,
): PromotionDecision {
  const from = ownSource(deployment, source);
  const target = findTarget(deployment, to);
  const d = deploymentLabel(deployment);
  // Names as messages show them: plain names are unchanged, so the spec's sentences still match.
  const toText = displayName(to);
  const fromText = from === undefined ? '' : displayName(from);
  if (!target) {
    return {
      ok: false,
      reason: 'unknown-target',
      message: `Unknown target '${displayName(to)}' in deployment ${d}.${didYouMean(deployment, to)} ${knownTargetsText(deployment)}`,
    };
  }
  const requiresApproval = !!target.promotion?.requiresApproval;
  const entryPoint = !target.promotion;
  if (unreadableRules(target)) {
    return {
      ok: false,
      reason: 'not-allowed',
      message: `Cannot promote to ${toText}: its promotion rules name no source target it accepts. Fix 'from' or 'allowed_from' of target ${toText}.`,
    };
  }
  if (from === undefined) {
    const found = allowedSources(target);
    if (!found) return { ok: true, requiresApproval, entryPoint };
    const sources = found.map(displayName);
    const list =
      sources.length === 1
        ? sources[0]
        : `${sources.slice(0, -1).join(', ')} or ${sources[sources.length - 1]}`;
    const flag =
      sources.length === 1 ? `--promote-from ${sources[0]}` : `--promote-from with one of them`;
    return {
      ok: false,
      reason: 'needs-source',
      message: `Cannot deploy a commit directly to ${toText}: it only accepts promotions from ${list}. Use ${flag}.`,
    };
  }
  if (from.includes('/')) {
    return {
      ok: false,
      reason: 'cross-deployment',
      message: 'Cannot promote across deployments. Use same-deployment promotion only.',
    };
  }
  if (!findTarget(deployment, from)) {
    return {
      ok: false,
      reason: 'unknown-source',
      message: `Unknown source target '${displayName(from)}' in deployment ${d}.${didYouMean(deployment, from)} ${knownTargetsText(deployment)}`,
    };
  }
  if (from === to) {
    return { ok: false, reason: 'self', message: `Cannot promote ${toText} from itself.` };
  }
  const p = target.promotion;
  if (!p) return { ok: true, requiresApproval, entryPoint };
  // The spec checks `from` first and then `allowed_from`; both being set is a config error
  // reported by the promotion-exclusive rule, and the order here matches the spec.
  if (p.from && p.from.value !== from) {
    return {
      ok: false,
      reason: 'not-allowed',
      message: `Cannot promote directly from ${fromText} to ${toText}. Must promote from ${displayName(p.from.value)}.`,
    };
  }
  if (p.allowedFrom && p.allowedFrom.items.length > 0) {
    const allowed = p.allowedFrom.items.map((i) => i.value);
    if (!allowed.includes(from)) {
      return {
        ok: false,
        reason: 'not-allowed',
        message: `Cannot promote from ${fromText} to ${toText} (allowed: [${allowed.map(displayName).join(', ')}])`,
      };
    }
  }
  return { ok: true, requiresApproval, entryPoint };
}
