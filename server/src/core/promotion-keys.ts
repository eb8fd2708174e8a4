/**
 * The promotion keys are safety keys (design section 11): written anywhere but under a target's
 * `promotion:` they do nothing, and a warning there would let prod deploy without the gate its
 * author meant to give it. So a promotion key in the wrong place is an error that says what it
 * fails to do, and the schema's own finding for that key (an unknown key, or a target that is
 * not a mapping) gives way to it.
 */
import type { Node, Pair } from 'yaml';
import { isAlias, isMap, isSeq } from './yaml-api';
import type { DeploymentFile, SourceRange, Target } from './model';
import { findTarget } from './model';
import { displayName } from './names';
import { scalarString } from './parse';
import { rangeOf } from './text';

export const PROMOTION_KEYS = [
  'from',
  'allowed_from',
  'requires_approval',
  'approval_method',
  'approvers',
  'min_approvals',
] as const;

export type PromotionKey = (typeof PROMOTION_KEYS)[number];

const PROMOTION_KEY_SET: ReadonlySet<string> = new Set(PROMOTION_KEYS);

export function isPromotionKey(key: string): key is PromotionKey {
  return PROMOTION_KEY_SET.has(key);
}

export interface MisplacedKey {
  key: PromotionKey;
  /** The key's range: where the error and its quick fix point. */
  range: SourceRange;
  /** Offsets of the key and of its value, so the schema's findings there can give way. */
  keyOffset: number;
  valueOffset?: number;
  message: string;
  /** For a key written directly under a target: the facts the "move it" quick fix needs. */
  data?: Record<string, string>;
}

/**
 * Every promotion key that is not under a target's `promotion:`. Components and `vendor` are
 * left out: they hold Atmos component configuration (Terraform variables, vendoring sources)
 * where a variable may well be called `from` or `approvers`, and no promotion rule is ever
 * read from there, so nobody would put one there by mistake for a target.
 */
export function misplacedPromotionKeys(file: DeploymentFile): MisplacedKey[] {
  const out: MisplacedKey[] = [];
  const root = file.doc?.contents;
  if (!root) return out;
  // An explicit stack instead of recursion: the depth limit is a setting, and a deep file must
  // not overflow the call stack here. Only mappings and lists are pushed, each with its path: a
  // scalar, an alias or an empty value holds no keys, and leaving them (and their paths) out
  // keeps this walk, which runs for every file, from allocating for every key.
  const stack: Array<[unknown, string[]]> = isMap(root) || isSeq(root) ? [[root, []]] : [];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (isSeq(node)) {
      (node.items as unknown[]).forEach((item, i) => {
        if (isMap(item) || isSeq(item)) stack.push([item, [...path, String(i)]]);
      });
      continue;
    }
    if (!isMap(node)) continue;
    for (const pair of node.items as Pair[]) {
      const key = scalarString(pair.key);
      if (key === undefined) continue;
      const value = pair.value as Node | null;
      if (isPromotionKey(key)) {
        // Under `targets:`, a key with a mapping (or nothing) as its value is a target that
        // happens to be called `from`; only a scalar or a list there is a misplaced rule.
        const isTargetSlot = path.length === 2 && path[0] === 'deployment' && path[1] === 'targets';
        const isTarget = isTargetSlot && (value === null || isMap(value) || isScalarNull(value));
        if (!isTarget) {
          out.push(misplaced(file, key, pair, path));
          continue;
        }
      }
      if (!isMap(value) && !isSeq(value)) continue;
      const childPath = [...path, key];
      if (!skipped(childPath)) stack.push([value, childPath]);
    }
  }
  return out.sort((a, b) => a.keyOffset - b.keyOffset);
}

function isScalarNull(node: unknown): boolean {
  return scalarString(node) === undefined && !isMap(node) && !isSeq(node) && !isAlias(node);
}

/** Subtrees not searched: the right place itself, and component configuration. */
function skipped(path: string[]): boolean {
  if (path[0] !== 'deployment') return false;
  if (path.length === 2 && (path[1] === 'components' || path[1] === 'vendor')) return true;
  return path.length === 4 && path[1] === 'targets' && path[3] === 'promotion';
}

function misplaced(
  file: DeploymentFile,
  key: PromotionKey,
  pair: Pair,
  parentPath: string[],
): MisplacedKey {
  const k = (pair.key as Node).range!;
  const v = (pair.value as Node | null)?.range;
  const inTarget =
    parentPath.length >= 3 && parentPath[0] === 'deployment' && parentPath[1] === 'targets';
  const targetName = inTarget ? parentPath[2] : undefined;
  const target =
    targetName !== undefined && file.deployment
      ? findTarget(file.deployment, targetName)
      : undefined;
  const directly = inTarget && parentPath.length === 3;
  const where = directly
    ? "'promotion:'"
    : inTarget
      ? `'promotion:', not under '${parentPath.slice(3).map(displayName).join('.')}'`
      : `a target's 'promotion:', not under ${parentPath.length ? `'${parentPath.map(displayName).join('.')}'` : 'the top level'}`;
  const consequence =
    targetName !== undefined
      ? targetConsequence(key, displayName(targetName), target)
      : NO_TARGET[key];
  return {
    key,
    range: rangeOf(file.positionAt, k[0], k[1]),
    keyOffset: k[0],
    valueOffset: v?.[0],
    message: `'${key}' belongs under ${where}; here it does nothing, so ${consequence}.`,
    data: directly && targetName !== undefined ? { key, target: targetName } : undefined,
  };
}

/** What a misplaced key fails to do for the target it was meant for. */
export function targetConsequence(key: PromotionKey, t: string, target?: Target): string {
  const p = target?.promotion;
  switch (key) {
    case 'from':
    case 'allowed_from':
      return p?.from || p?.allowedFrom
        ? `${t} takes only the sources its 'promotion:' names`
        : `${t} takes any source, a plain commit included`;
    case 'requires_approval':
      return p?.requiresApproval
        ? `${t}'s approval comes from its 'promotion:' alone`
        : `${t} needs no approval`;
    case 'approval_method':
      return `${t} uses the method its 'promotion:' sets (manual when it sets none)`;
    case 'approvers':
      return `nobody listed here is an approver for ${t}`;
    case 'min_approvals':
      return `${t} does not require this number of approvals`;
  }
}

const NO_TARGET: Record<PromotionKey, string> = {
  from: "it restricts no target's sources",
  allowed_from: "it restricts no target's sources",
  requires_approval: 'no target needs approval because of it',
  approval_method: "it sets no target's approval method",
  approvers: 'nobody listed here is an approver for any target',
  min_approvals: 'no target requires this number of approvals',
};
