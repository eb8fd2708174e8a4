/**
 * What Compare Targets compares: the SHA of each component on both targets, and the sentence it
 * says when they are all the same. Pure (no `vscode`), so unit tests run it in node.
 */
import { displayName } from '../../../server/src/core/display';
import type { TargetInfo } from '../../../server/src/protocol/requests';

const shortSha = (sha: string | undefined) => (sha ? sha.slice(0, 7) : '');

export interface ComparePair {
  component: string;
  fromSha?: string;
  toSha?: string;
}

export function comparePairs(a: TargetInfo, b: TargetInfo): ComparePair[] {
  const names = [...new Set([...a.components, ...b.components].map((c) => c.component))];
  return names.map((component) => ({
    component,
    fromSha: a.components.find((c) => c.component === component)?.sha,
    toSha: b.components.find((c) => c.component === component)?.sha,
  }));
}

/**
 * `dev and staging run the same commits (api abc1234, web def5678).` when every component is
 * deployed on both targets at the same SHA; undefined otherwise.
 */
export function sameCommitsText(a: string, b: string, pairs: ComparePair[]): string | undefined {
  if (!pairs.length || !pairs.every((p) => p.fromSha && p.fromSha === p.toSha)) return undefined;
  const shown = pairs.slice(0, 5).map((p) => `${displayName(p.component)} ${shortSha(p.fromSha)}`);
  if (pairs.length > shown.length) shown.push(`${pairs.length - shown.length} more`);
  return `${displayName(a)} and ${displayName(b)} run the same commits (${shown.join(', ')}).`;
}
