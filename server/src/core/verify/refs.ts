/**
 * The current state against the history: every deployment ref must equal its newest non-failed
 * record, names must not pass for one another, and the status index must not claim what the
 * refs and records deny.
 */
import { displayName } from '../names';
import { parseDeploymentRef } from '../records';
import { parseStatusIndex, parseStatusIndexRef } from '../status-index';
import { compareRecords, nameFindings, short, type TrailRecord } from './records';
import type { TrailInput, VerifyFinding } from './types';

function key(d: string, t: string, c: string): string {
  return `${d}\u0000${t}\u0000${c}`;
}

/** The newest non-failed record per `deployment NUL target NUL component`. */
export function newestRecords(records: TrailRecord[]): Map<string, TrailRecord> {
  const newest = new Map<string, TrailRecord>();
  for (const r of records) {
    if (r.record.status === 'failed') continue;
    const k = key(r.record.deployment, r.record.target, r.record.component);
    const seen = newest.get(k);
    if (!seen || compareRecords(seen, r) < 0) newest.set(k, r);
  }
  return newest;
}

export function checkDeploymentRefs(
  input: TrailInput,
  records: TrailRecord[],
  wanted: (deployment: string) => boolean,
): { findings: VerifyFinding[]; refs: number } {
  const findings: VerifyFinding[] = [];
  const newest = newestRecords(records);
  let count = 0;
  for (const { ref, sha } of input.refs) {
    const p = parseDeploymentRef(ref);
    if (!p || !wanted(p.deployment)) continue;
    count++;
    findings.push(...nameFindings(ref, p));
    const backing = newest.get(key(p.deployment, p.target, p.component));
    if (!backing)
      findings.push({
        code: 'ref-unbacked',
        ref,
        message: `${displayName(p.target)}/${displayName(p.component)} points at ${short(sha)} but no deployment record backs it (a ref written with plain git).`,
        ...p,
      });
    else if (backing.commit !== sha)
      findings.push({
        code: 'ref-unbacked',
        ref,
        message: `${displayName(p.target)}/${displayName(p.component)} points at ${short(sha)} but its newest record (${backing.tag}) says ${short(backing.commit)}.`,
        ...p,
      });
  }
  return { findings, refs: count };
}

/**
 * Targets and components of one deployment that differ from another only by letter case
 * (`Prod` beside `prod`): one of them is an impostor. The name the policy declares is the
 * genuine one; when the policy declares neither, every spelling is reported.
 */
export function caseCollisions(
  input: TrailInput,
  wanted: (deployment: string) => boolean,
  declared: (deployment: string) => Set<string> | undefined,
): VerifyFinding[] {
  const byDeployment = new Map<string, Map<string, Set<string>>>();
  const refsOf = new Map<string, string[]>();
  for (const { ref } of input.refs) {
    const p =
      parseDeploymentRef(ref) ??
      (ref.startsWith('refs/tags/')
        ? parseDeploymentRef(`refs/atmos/deployments/${ref.split('/').slice(4).join('/')}`)
        : undefined);
    if (!p || !wanted(p.deployment)) continue;
    const groups = byDeployment.get(p.deployment) ?? new Map<string, Set<string>>();
    byDeployment.set(p.deployment, groups);
    const folded = p.target.toLowerCase();
    groups.set(folded, (groups.get(folded) ?? new Set()).add(p.target));
    const k = `${p.deployment}\u0000${p.target}`;
    const list = refsOf.get(k);
    if (list) list.push(ref);
    else refsOf.set(k, [ref]);
  }
  const findings: VerifyFinding[] = [];
  for (const [d, groups] of byDeployment) {
    const known = declared(d);
    for (const spellings of groups.values()) {
      if (spellings.size < 2) continue;
      const genuine = [...spellings].filter((s) => known?.has(s));
      for (const s of spellings) {
        if (genuine.includes(s)) continue;
        const others = [...spellings].filter((o) => o !== s).map((o) => `'${displayName(o)}'`);
        for (const ref of refsOf.get(`${d}\u0000${s}`) ?? [])
          findings.push({
            code: 'invalid-name',
            ref,
            message: `The target name '${displayName(s)}' differs from ${others.join(', ')} only by letter case; records under it pass for another target.`,
            deployment: d,
            target: s,
          });
      }
    }
  }
  return findings;
}

/**
 * The status index of each target: an entry that readers would trust (its tag is the
 * component's newest) must name the SHA the ref points at and a record of that SHA.
 */
export function checkIndexes(
  input: TrailInput,
  records: TrailRecord[],
  wanted: (deployment: string) => boolean,
): { findings: VerifyFinding[]; indexes: number } {
  const findings: VerifyFinding[] = [];
  const refs = new Map(input.refs.map((r) => [r.ref, r.sha]));
  const byTag = new Map(records.map((r) => [r.tag, r]));
  /** `d NUL t NUL c` → the newest tag name by name order, as readers of the index pick it. */
  const newestTag = new Map<string, TrailRecord>();
  for (const r of records) {
    const k = key(r.record.deployment, r.record.target, r.record.component);
    const seen = newestTag.get(k);
    if (!seen || compareRecords(seen, r) < 0) newestTag.set(k, r);
  }
  let count = 0;
  for (const { ref, sha } of input.refs) {
    const p = parseStatusIndexRef(ref);
    if (!p || !wanted(p.deployment)) continue;
    count++;
    const message = input.objects.get(sha)?.tag?.message;
    const index =
      message === undefined ? undefined : parseStatusIndex(message, p.deployment, p.target);
    if (!index) {
      findings.push({
        code: 'index-mismatch',
        ref,
        message: `The status index of ${displayName(p.target)} is not readable; readers fall back to the tags, but it should be rewritten by the next rollout.`,
        ...p,
      });
      continue;
    }
    for (const [component, e] of Object.entries(index.components)) {
      const newest = newestTag.get(key(p.deployment, p.target, component));
      if (!newest || newest.tag !== (e.last_tag ?? e.tag)) continue;
      const refSha = refs.get(`refs/atmos/deployments/${p.deployment}/${p.target}/${component}`);
      const record = byTag.get(e.tag);
      let why: string | undefined;
      if (refSha !== e.sha)
        why = `says ${short(e.sha)} but the ref ${refSha ? `points at ${short(refSha)}` : 'does not exist'}`;
      else if (!record || record.commit !== e.sha)
        why = `names ${e.tag}, which does not record ${short(e.sha)}`;
      if (why)
        findings.push({
          code: 'index-mismatch',
          ref,
          message: `The status index entry for ${displayName(p.target)}/${displayName(component)} ${why}.`,
          ...p,
          component,
        });
    }
  }
  return { findings, indexes: count };
}
