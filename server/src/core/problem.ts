/**
 * Problems are what parsing and validation return instead of throwing. Codes are stable:
 * tests, quick fixes and CI pipelines match on them (design section 3).
 */
import type { SourceRange } from './model';

export const CODES = [
  'yaml-syntax',
  'duplicate-key',
  'schema',
  'unknown-key',
  'promotion-exclusive',
  'unknown-source',
  'self-promotion',
  'promotion-cycle',
  'empty-allowed-from',
  'duplicate-source',
  'invalid-name',
  'component-path-conflict',
  'duplicate-deployment',
  'review-approvers',
  'approver-no-key',
  'recorded-component-conflict',
  'unknown-dependency',
  'dependency-cycle',
] as const;

export type Code = (typeof CODES)[number];
export type Severity = 'error' | 'warning';

export const SEVERITY: Record<Code, Severity> = {
  'yaml-syntax': 'error',
  'duplicate-key': 'error',
  schema: 'error',
  'unknown-key': 'warning',
  'promotion-exclusive': 'error',
  'unknown-source': 'error',
  'self-promotion': 'error',
  'promotion-cycle': 'error',
  'empty-allowed-from': 'error',
  'duplicate-source': 'warning',
  'invalid-name': 'error',
  'component-path-conflict': 'error',
  'duplicate-deployment': 'error',
  'review-approvers': 'error',
  'approver-no-key': 'warning',
  'recorded-component-conflict': 'warning',
  'unknown-dependency': 'error',
  'dependency-cycle': 'error',
};

export interface RelatedLocation {
  file: string;
  range: SourceRange;
  message: string;
}

export interface Problem {
  code: Code;
  severity: Severity;
  message: string;
  /** The file the problem is in, as the caller named it (a path or a URI). */
  file: string;
  range: SourceRange;
  related?: RelatedLocation[];
  /** Facts a quick fix needs (for example the target and the source name). */
  data?: Record<string, string | string[]>;
}

export function problem(
  code: Code,
  file: string,
  range: SourceRange,
  message: string,
  extra: Pick<Problem, 'related' | 'data'> = {},
): Problem {
  return { code, severity: SEVERITY[code], message, file, range, ...extra };
}

/** Orders problems by position, then code, so every face prints them in the same order. */
export function compareProblems(a: Problem, b: Problem): number {
  return (
    a.range.start.offset - b.range.start.offset ||
    a.range.end.offset - b.range.end.offset ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  );
}
