/**
 * The git record formats (design section 5): deployment refs, annotated tag names and
 * messages, and approval notes. These are the interchange with Atmos itself, so they follow
 * the spec to the letter. Pure functions: the git layer writes what these return.
 */
import { parse as parseYaml, stringify } from 'yaml';
import { readFlatRecord, RECORD_KEYS } from './flat-record';

export const REF_ROOT = 'refs/atmos/deployments';
export const TAG_ROOT = 'atmos/deployments';
export const TAG_MESSAGE_HEADER = 'atmos.tools/v1alpha1\nkind: Deployment\n---\n';

export function deploymentRef(deployment: string, target: string, component: string): string {
  return `${REF_ROOT}/${deployment}/${target}/${component}`;
}

export function deploymentRefPrefix(deployment: string): string {
  return `${REF_ROOT}/${deployment}/`;
}

/** Splits `refs/atmos/deployments/<d>/<t>/<c...>`; components may hold one `/`. */
export function parseDeploymentRef(
  ref: string,
): { deployment: string; target: string; component: string } | undefined {
  if (!ref.startsWith(`${REF_ROOT}/`)) return undefined;
  const parts = ref.slice(REF_ROOT.length + 1).split('/');
  if (parts.length < 3) return undefined;
  return { deployment: parts[0], target: parts[1], component: parts.slice(2).join('/') };
}

export function notesRef(deployment: string): string {
  return `refs/notes/atmos/${deployment}/approvals`;
}

/** The spec's Go layout `2006-01-02T15-04-05Z`, in UTC. */
export function tagTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}

/** `2025-01-22T12:00:00Z` from a date, seconds precision. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function tagName(
  deployment: string,
  target: string,
  component: string,
  timestamp: string,
  seq = 1,
): string {
  return `${TAG_ROOT}/${deployment}/${target}/${component}/${timestamp}${seq > 1 ? `-${seq}` : ''}`;
}

export interface ParsedTagName {
  deployment: string;
  target: string;
  component: string;
  timestamp: string;
  seq: number;
}

const TAG_STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(?:-(\d+))?$/;

/**
 * Splits `atmos/deployments/<d>/<t>/<c...>/<stamp>` (with or without `refs/tags/`). Status and
 * history run it on every tag of a deployment (tens of thousands), so it finds the slashes
 * instead of splitting and joining.
 */
export function parseTagName(name: string): ParsedTagName | undefined {
  const start = name.startsWith('refs/tags/') ? 'refs/tags/'.length : 0;
  if (!name.startsWith(TAG_ROOT, start) || name.charCodeAt(start + TAG_ROOT.length) !== 47)
    return undefined;
  const from = start + TAG_ROOT.length + 1;
  const first = name.indexOf('/', from);
  const second = first < 0 ? -1 : name.indexOf('/', first + 1);
  const last = name.lastIndexOf('/');
  if (second < 0 || last <= second) return undefined;
  const m = TAG_STAMP.exec(name.slice(last + 1));
  if (!m) return undefined;
  return {
    deployment: name.slice(from, first),
    target: name.slice(first + 1, second),
    component: name.slice(second + 1, last),
    timestamp: m[1],
    seq: m[2] ? Number(m[2]) : 1,
  };
}

/** The stamp at the end of a tag name, matched in place from a given index (no substring). */
const TAG_STAMP_AT = /\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z(?:-\d+)?$/y;
const STAMP_LENGTH = '2006-01-02T15-04-05Z'.length;

/**
 * Orders two tag names of one component whose stamps start at `at` and `bt`: by timestamp, then
 * by the `-2`, `-3` suffix (a missing suffix counts as 1), then by the whole name, which is the
 * order `parseTagName` results sort in.
 */
function compareStamped(a: string, at: number, b: string, bt: number): number {
  for (let i = 0; i < STAMP_LENGTH; i++) {
    const d = a.charCodeAt(at + i) - b.charCodeAt(bt + i);
    if (d !== 0) return d;
  }
  const seq = (s: string, from: number) => (s.length > from ? Number(s.slice(from + 1)) : 1);
  const d = seq(a, at + STAMP_LENGTH) - seq(b, bt + STAMP_LENGTH);
  if (d !== 0) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The newest tag of each component of one deployment, from full tag ref names
 * (`refs/tags/atmos/deployments/<d>/<t>/<c...>/<stamp>`), keyed `<target>/<component>` (a
 * target never holds a slash) and valued with the ref name. Names that `parseTagName` would
 * not accept, or of another deployment, are skipped. A status reads this over every tag of a
 * deployment (tens of thousands), so it parses nothing but the stamps it compares and reuses the
 * key of the previous name while git's name order keeps a component's tags together.
 */
export function newestTagPerComponent(
  refs: Iterable<string>,
  deployment: string,
): Map<string, string> {
  const prefix = `refs/tags/${TAG_ROOT}/${deployment}/`;
  const newest = new Map<string, string>();
  let prevLast = -1;
  let prevKey = '';
  for (const ref of refs) {
    if (!ref.startsWith(prefix)) continue;
    const last = ref.lastIndexOf('/');
    const second = ref.indexOf('/', prefix.length);
    if (second < 0 || last <= second) continue;
    TAG_STAMP_AT.lastIndex = last + 1;
    if (!TAG_STAMP_AT.test(ref)) continue;
    // Same component as the previous name: same slash position and the same text before it.
    const key =
      last === prevLast && ref.startsWith(prevKey, prefix.length)
        ? prevKey
        : ref.slice(prefix.length, last);
    prevLast = last;
    prevKey = key;
    const seen = newest.get(key);
    if (seen === undefined || compareStamped(seen, seen.lastIndexOf('/') + 1, ref, last + 1) < 0)
      newest.set(key, ref);
  }
  return newest;
}

export type RecordStatus = 'success' | 'failed' | 'rolled_back';

export interface DeploymentRecord {
  deployment: string;
  target: string;
  component: string;
  deployed_by: string;
  build_id: string;
  git_sha: string;
  timestamp: string;
  status: RecordStatus;
  promoted_from?: string;
  promoted_at?: string;
  metadata: Record<string, string>;
  rollback_of?: string;
  /**
   * The commit the promotion rules were read from (design section 11). Additive: the spec's
   * fields stay as they are, and records written before it (or by Atmos) have none.
   */
  policy_sha?: string;
}

/** The annotated tag message in the spec's format, keys in the spec's order. */
export function formatTagMessage(record: DeploymentRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const key of RECORD_KEYS) {
    const value = record[key];
    if (value === undefined) continue;
    if (key === 'metadata' && Object.keys(value as object).length === 0) continue;
    ordered[key] = value;
  }
  return TAG_MESSAGE_HEADER + stringify(ordered, { lineWidth: 0 });
}

/** Reads a tag message back; undefined when it is not a deployment record. */
export function parseTagMessage(message: string): DeploymentRecord | undefined {
  // Most messages hold no carriage return; the copy a replace makes is skipped for them.
  const text = message.includes('\r') ? message.replace(/\r\n/g, '\n') : message;
  if (!text.startsWith(TAG_MESSAGE_HEADER)) return undefined;
  // A signed tag carries its signature after the message; it is not part of the record.
  const signature = text.indexOf('\n-----BEGIN ', TAG_MESSAGE_HEADER.length);
  const end = signature < 0 ? text.length : signature;
  // The layout formatTagMessage writes is read without the YAML parser, which made reading
  // 10,000 records take seconds; anything else is parsed as YAML, to the same record.
  const flat = readFlatRecord(text, TAG_MESSAGE_HEADER.length, end);
  if (flat !== undefined) return flat ?? undefined;
  let body: unknown;
  try {
    body = parseYaml(text.slice(TAG_MESSAGE_HEADER.length, end), {
      maxAliasCount: 10,
      // Every value is text: a SHA such as 0123 or 1e10 written unquoted by another tool must
      // not turn into a number.
      schema: 'failsafe',
    });
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const str = (k: string) => (b[k] === undefined || b[k] === null ? undefined : String(b[k]));
  const required = ['deployment', 'target', 'component', 'git_sha', 'timestamp', 'status'];
  if (required.some((k) => str(k) === undefined)) return undefined;
  const metadata: Record<string, string> = {};
  if (b.metadata && typeof b.metadata === 'object') {
    for (const [k, v] of Object.entries(b.metadata as Record<string, unknown>))
      metadata[k] = String(v);
  }
  return {
    deployment: str('deployment')!,
    target: str('target')!,
    component: str('component')!,
    deployed_by: str('deployed_by') ?? '',
    build_id: str('build_id') ?? '',
    git_sha: str('git_sha')!,
    timestamp: str('timestamp')!,
    status: (str('status') as RecordStatus) ?? 'success',
    promoted_from: str('promoted_from'),
    promoted_at: str('promoted_at'),
    metadata,
    rollback_of: str('rollback_of'),
    policy_sha: str('policy_sha'),
  };
}

export interface Approval {
  approved_by: string;
  approved_at: string;
  approver_role?: string;
  target: string;
  deployment: string;
  promoted_from: string;
  /** Component name → SHA: the exact plan this approval is for. */
  components: Record<string, string>;
  /**
   * The git identity that wrote the note, when it is not `approved_by` (someone recorded an
   * approval on another person's behalf with `--approver`).
   */
  recorded_by?: string;
}

/** One approval as one JSON line, with the spec's keys first. */
export function formatApprovalLine(a: Approval): string {
  return JSON.stringify({
    approved_by: a.approved_by,
    approved_at: a.approved_at,
    approver_role: a.approver_role ?? '',
    target: a.target,
    deployment: a.deployment,
    promoted_from: a.promoted_from,
    components: a.components,
    ...(a.recorded_by && a.recorded_by !== a.approved_by ? { recorded_by: a.recorded_by } : {}),
  });
}

export interface ParsedApprovals {
  approvals: Approval[];
  /** Lines that are not valid approvals: ignored, and reported as warnings. */
  invalid: Array<{ line: number; reason: string }>;
}

/**
 * Reads a note holding one JSON approval per line. A note written by hand as one
 * pretty-printed object (the spec's example) is read too.
 */
export function parseApprovalNote(text: string): ParsedApprovals {
  const approvals: Approval[] = [];
  const invalid: ParsedApprovals['invalid'] = [];
  const trimmed = text.trim();
  if (!trimmed) return { approvals, invalid };
  const chunks: Array<[number, string]> = [];
  if (trimmed.startsWith('{') && !trimmed.split('\n')[0].trim().endsWith('}')) {
    chunks.push([1, trimmed]);
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim()) chunks.push([i + 1, line]);
    });
  }
  for (const [line, chunk] of chunks) {
    let value: unknown;
    try {
      value = JSON.parse(chunk);
    } catch {
      invalid.push({ line, reason: 'not valid JSON' });
      continue;
    }
    const why = approvalShapeProblem(value);
    if (why) invalid.push({ line, reason: why });
    else approvals.push(value as Approval);
  }
  return { approvals, invalid };
}

function approvalShapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  for (const k of ['approved_by', 'approved_at', 'target', 'deployment', 'promoted_from']) {
    if (typeof v[k] !== 'string' || !(v[k] as string)) return `missing or non-string '${k}'`;
  }
  if (Number.isNaN(Date.parse(v.approved_at as string))) return "'approved_at' is not a time";
  const c = v.components;
  if (!c || typeof c !== 'object' || Array.isArray(c))
    return "missing 'components' (the SHAs it approves)";
  for (const sha of Object.values(c as Record<string, unknown>)) {
    if (typeof sha !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
      return "'components' holds something other than full SHAs";
  }
  return undefined;
}

/**
 * `promoted_from` of an approval or approval request for a commit rolled onto a target
 * directly (`--git-sha`). It holds a ':', which no target name can (names become git refs), so
 * it never reads as a promotion from a target, not even one named `commit`.
 */
export const DIRECT_SOURCE = ':commit';

/**
 * What earlier versions wrote there instead. It still counts as a commit rollout where the
 * deployment has no target named `commit`; where it has one, the word is read as that target,
 * as it is written, because nothing in the line tells the two apart.
 */
export const LEGACY_DIRECT_SOURCE = 'commit';

export interface ApprovalScope {
  deployment: string;
  target: string;
  promotedFrom: string;
  /** A second `promoted_from` that counts as this source: LEGACY_DIRECT_SOURCE, where safe. */
  legacyFrom?: string;
  /** Component → SHA of the plan to run. */
  components: Record<string, string>;
}

/**
 * The source half of a scope: `source` is a plan's source target (undefined for a commit
 * rollout) or a recorded `promoted_from`, which may be either placeholder. `hasTarget` says
 * whether the deployment has a target of that name.
 */
export function scopeSource(
  source: string | undefined,
  hasTarget: (name: string) => boolean,
): Pick<ApprovalScope, 'promotedFrom' | 'legacyFrom'> {
  const legacyIsDirect = !hasTarget(LEGACY_DIRECT_SOURCE);
  const direct =
    source === undefined ||
    source === DIRECT_SOURCE ||
    (source === LEGACY_DIRECT_SOURCE && legacyIsDirect);
  if (!direct) return { promotedFrom: source };
  return legacyIsDirect
    ? { promotedFrom: DIRECT_SOURCE, legacyFrom: LEGACY_DIRECT_SOURCE }
    : { promotedFrom: DIRECT_SOURCE };
}

/** True when a recorded `promoted_from` names the scope's source. */
export function sourceMatches(promotedFrom: string, scope: ApprovalScope): boolean {
  return (
    promotedFrom === scope.promotedFrom ||
    (scope.legacyFrom !== undefined && promotedFrom === scope.legacyFrom)
  );
}

/** A `promoted_from` in words: the placeholder is not a target. */
export function sourceText(promotedFrom: string): string {
  return promotedFrom === DIRECT_SOURCE
    ? 'a commit rolled out directly (--git-sha)'
    : `promotion from ${promotedFrom}`;
}

/** An approval counts only for the same deployment, target, source and exact SHAs. */
export function approvalMatches(a: Approval, scope: ApprovalScope): boolean {
  if (
    a.deployment !== scope.deployment ||
    a.target !== scope.target ||
    !sourceMatches(a.promoted_from, scope)
  )
    return false;
  const planned = Object.entries(scope.components);
  if (planned.length === 0) return false;
  return planned.every(([c, sha]) => a.components[c] === sha);
}

/** Why an approval does not cover a plan, for messages that say what to do. */
export function approvalMismatch(a: Approval, scope: ApprovalScope): string | undefined {
  if (a.deployment !== scope.deployment) return `it is for deployment ${a.deployment}`;
  if (a.target !== scope.target) return `it is for target ${a.target}`;
  if (!sourceMatches(a.promoted_from, scope)) return `it approves ${sourceText(a.promoted_from)}`;
  for (const [c, sha] of Object.entries(scope.components)) {
    if (a.components[c] === undefined) return `it does not cover component ${c}`;
    if (a.components[c] !== sha)
      return `it approved ${c} at ${a.components[c].slice(0, 9)}, not ${sha.slice(0, 9)}`;
  }
  return undefined;
}
