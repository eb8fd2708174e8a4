/**
 * Reading the trail back into records: every tag under `refs/tags/atmos/deployments/` becomes
 * either a record (its message parsed and agreeing with its name and object) or a finding
 * (lightweight, unreadable, disagreeing). A damaged tag never stops the others from being read.
 */
import { displayName, nameProblem, type NameKind } from '../names';
import { parseTagMessage, parseTagName, TAG_ROOT, type DeploymentRecord } from '../records';
import type { TrailInput, VerifyFinding } from './types';

/** A record that agrees with its tag name and its object: the history verify replays. */
export interface TrailRecord {
  /** Tag name without `refs/tags/`. */
  tag: string;
  /** Full ref name. */
  ref: string;
  commit: string;
  record: DeploymentRecord;
  /** Record time in ms since epoch; NaN never gets here (such a tag is a finding). */
  time: number;
  seq: number;
}

export const TAG_REF_ROOT = `refs/tags/${TAG_ROOT}/`;

const STATUSES = new Set(['success', 'failed', 'rolled_back']);

/** `2025-01-22T12-00-00Z` from a record timestamp, or undefined when it is not a time. */
export function stampOf(timestamp: string): string | undefined {
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return undefined;
  return new Date(t)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}

/** Orders records by their own timestamps, then by the tag's `-2`, `-3` suffix and name. */
export function compareRecords(a: TrailRecord, b: TrailRecord): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
}

export function short(sha: string): string {
  return sha.slice(0, 9);
}

/** The deployment of a ref under one of the verified roots, whatever its shape. */
export function deploymentOfRef(ref: string): string | undefined {
  for (const root of [TAG_REF_ROOT, 'refs/atmos/deployments/', 'refs/atmos/index/']) {
    if (ref.startsWith(root)) return ref.slice(root.length).split('/')[0] || undefined;
  }
  const notes = /^refs\/notes\/atmos\/([^/]+)\//.exec(ref);
  return notes?.[1];
}

/**
 * Why a name is not clean: the core's `nameProblem`, and also letters outside ASCII, which can
 * make `prоd` (Cyrillic о) look like `prod` while being another target.
 */
export function verifyNameProblem(kind: NameKind, name: string): string | undefined {
  const why = nameProblem(kind, name);
  if (why) return why;
  // eslint-disable-next-line no-control-regex
  const foreign = /[^\x00-\x7f]/u.exec(name);
  if (foreign)
    return `it contains the non-ASCII character U+${foreign[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, which can pass for another name`;
  return undefined;
}

/** Names findings for one ref's deployment, target and component (the first problem only). */
export function nameFindings(
  ref: string,
  parts: { deployment: string; target: string; component?: string },
): VerifyFinding[] {
  const checks: Array<[NameKind, string | undefined]> = [
    ['deployment', parts.deployment],
    ['target', parts.target],
    ['component', parts.component],
  ];
  for (const [kind, name] of checks) {
    if (name === undefined) continue;
    const why = verifyNameProblem(kind, name);
    if (why)
      return [
        {
          code: 'invalid-name',
          ref,
          message: `The ${kind} name '${displayName(name)}' is not clean: ${why}.`,
          ...parts,
        },
      ];
  }
  return [];
}

/**
 * Reads every deployment tag of the checked deployments into records, with a finding for each
 * tag that is not a record agreeing with its name and object.
 */
export function readTrailRecords(
  input: TrailInput,
  wanted: (deployment: string) => boolean,
): { records: TrailRecord[]; findings: VerifyFinding[]; tags: number } {
  const records: TrailRecord[] = [];
  const findings: VerifyFinding[] = [];
  let tags = 0;
  for (const { ref, sha } of input.refs) {
    if (!ref.startsWith(TAG_REF_ROOT)) continue;
    const d = deploymentOfRef(ref);
    if (d === undefined || !wanted(d)) continue;
    tags++;
    const name = ref.slice('refs/tags/'.length);
    const parsed = parseTagName(name);
    const unreadable = (message: string, extra: Partial<VerifyFinding> = {}) =>
      findings.push({ code: 'tag-unreadable', ref, message, deployment: d, ...extra });
    if (!parsed) {
      unreadable(
        `The tag name is not atmos/deployments/<deployment>/<target>/<component>/<2006-01-02T15-04-05Z>, so it is no deployment record.`,
      );
      continue;
    }
    const parts = {
      deployment: parsed.deployment,
      target: parsed.target,
      component: parsed.component,
    };
    findings.push(...nameFindings(ref, parts));
    const object = input.objects.get(sha);
    if (!object) {
      unreadable(`The tag object ${short(sha)} is missing from this repository.`, parts);
      continue;
    }
    if (object.type !== 'tag') {
      unreadable(
        `This is a lightweight tag (it points straight at a ${object.type}); a deployment record is an annotated tag whose message holds the record.`,
        parts,
      );
      continue;
    }
    if (!object.tag) {
      unreadable(`The tag does not point at a commit, so it records no deployed commit.`, parts);
      continue;
    }
    const record = parseTagMessage(object.tag.message);
    if (!record) {
      unreadable(
        `The tag message is not a deployment record (atmos.tools/v1alpha1, kind: Deployment, then YAML with deployment, target, component, git_sha, timestamp and status).`,
        parts,
      );
      continue;
    }
    const mismatch = (message: string) =>
      findings.push({ code: 'tag-mismatch', ref, message, ...parts, timestamp: record.timestamp });
    const time = Date.parse(record.timestamp);
    if (
      record.deployment !== parsed.deployment ||
      record.target !== parsed.target ||
      record.component !== parsed.component
    ) {
      mismatch(
        `The tag is named for ${displayName(parsed.deployment)}/${displayName(parsed.target)}/${displayName(parsed.component)} but its message records ${displayName(record.deployment)}/${displayName(record.target)}/${displayName(record.component)}.`,
      );
      continue;
    }
    if (Number.isNaN(time) || stampOf(record.timestamp) !== parsed.timestamp) {
      mismatch(
        `The tag is named for ${parsed.timestamp} but its message says timestamp ${displayName(record.timestamp)}.`,
      );
      continue;
    }
    if (record.git_sha !== object.tag.object) {
      mismatch(
        `The message says git_sha ${displayName(short(record.git_sha))} but the tag points at commit ${short(object.tag.object)}.`,
      );
      continue;
    }
    if (!STATUSES.has(record.status)) {
      mismatch(
        `The status '${displayName(record.status)}' is none of success, failed, rolled_back.`,
      );
      continue;
    }
    records.push({
      tag: name,
      ref,
      commit: object.tag.object,
      record,
      time,
      seq: parsed.seq,
    });
  }
  records.sort(compareRecords);
  return { records, findings, tags };
}
