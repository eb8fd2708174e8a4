/**
 * `verify` as a pure function: the trail (refs, tag objects, notes, policy files) in, findings
 * out. It never throws: anything it cannot read is itself a finding, and the rest is still
 * checked. The git layer (server/src/rollout/verify.ts) only gathers the input.
 */
import { displayName } from '../names';
import { deploymentOfRef, readTrailRecords, TAG_REF_ROOT, type TrailRecord } from './records';
import { caseCollisions, checkDeploymentRefs, checkIndexes } from './refs';
import { outdatedPolicies } from './outdated';
import { rewrittenHistory } from './rewrites';
import { Policies } from './policies';
import { checkRollbacks, checkRollouts } from './promotions';
import { VERIFY_CODES, type TrailInput, type TrailReport, type VerifyFinding } from './types';

export * from './types';
export { verifyNameProblem } from './records';

const CODE_ORDER = new Map(VERIFY_CODES.map((c, i) => [c, i]));

export function verifyTrail(input: TrailInput): TrailReport {
  const only = input.deployments?.length ? new Set(input.deployments) : undefined;
  const wanted = (d: string) => !only || only.has(d);
  const policies = new Policies(input);
  const read = readTrailRecords(input, wanted);
  const refs = checkDeploymentRefs(input, read.records, wanted);
  const rollouts = checkRollouts(input, read.records, policies);
  const indexes = checkIndexes(input, read.records, wanted);
  const all: VerifyFinding[] = [
    ...read.findings,
    ...refs.findings,
    ...caseCollisions(input, wanted, (d) => policies.declaredTargets(d)),
    ...rollouts.findings,
    ...indexes.findings,
    ...backdated(input, read.records),
    ...outdatedPolicies(input, read.records, policies),
  ];
  const tagRefs = new Set(
    input.refs.filter((r) => r.ref.startsWith(TAG_REF_ROOT)).map((r) => r.ref),
  );
  all.push(...checkRollbacks(read.records, all, tagRefs));
  const notes = [...input.notes.keys()].filter((n) => {
    const d = deploymentOfRef(n);
    return d !== undefined && wanted(d);
  });
  return {
    // Rewrites concern refs a push deletes too, which the push filter would leave out.
    findings: dedupe([
      ...all.filter((f) => reported(f, input)),
      ...rewrittenHistory(input.rewrites),
    ]).sort(compareFindings),
    checked: {
      refs: refs.refs,
      tags: read.tags,
      records: read.records.length,
      rollouts: rollouts.rollouts,
      notes: notes.length,
      policies: policies.count,
      indexes: indexes.indexes,
    },
  };
}

/** `--since` leaves out findings about older records; `onlyRefs` keeps what a push adds. */
function reported(f: VerifyFinding, input: TrailInput): boolean {
  if (input.onlyRefs && !input.onlyRefs.has(f.ref)) return false;
  if (input.since !== undefined && f.timestamp !== undefined) {
    const t = Date.parse(f.timestamp);
    if (!Number.isNaN(t) && t < input.since) return false;
  }
  return true;
}

function dedupe(findings: VerifyFinding[]): VerifyFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.ref}\u0000${f.code}\u0000${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function compareFindings(a: VerifyFinding, b: VerifyFinding): number {
  if (a.ref !== b.ref) return a.ref < b.ref ? -1 : 1;
  return (CODE_ORDER.get(a.code) ?? 0) - (CODE_ORDER.get(b.code) ?? 0);
}

/**
 * A pushed record older than the newest record the server already held for its component is
 * back-dated: written now, dated into history where nobody reviews it.
 */
function backdated(input: TrailInput, records: TrailRecord[]): VerifyFinding[] {
  const before = input.newestBefore;
  if (!before || !input.onlyRefs) return [];
  const out: VerifyFinding[] = [];
  for (const r of records) {
    if (!input.onlyRefs.has(r.ref)) continue;
    const k = `${r.record.deployment}/${r.record.target}/${r.record.component}`;
    const newest = before.get(k);
    if (newest !== undefined && r.time < newest)
      out.push({
        code: 'record-backdated',
        ref: r.ref,
        message: `It is dated ${r.record.timestamp}, before the newest record this server already holds for ${displayName(k)} (${new Date(newest).toISOString()}): records are appended, never dated into the past.`,
        deployment: r.record.deployment,
        target: r.record.target,
        component: r.record.component,
        timestamp: r.record.timestamp,
      });
  }
  return out;
}

/**
 * The findings that concern these tags (names with or without `refs/tags/`): what the rollback
 * command asks before it returns a target to a recorded SHA set.
 */
export function findingsFor(findings: VerifyFinding[], tags: Iterable<string>): VerifyFinding[] {
  const refs = new Set([...tags].map((t) => (t.startsWith('refs/') ? t : `refs/tags/${t}`)));
  return findings.filter((f) => refs.has(f.ref));
}
