/**
 * Rollbacks: the SHA set of a recorded rollout put back through the same rules and a new
 * approval. The SHA comes from each tag object, never its message, and only records that
 * followed the rules (no `verify` finding) can be returned to.
 */
import { displayName, parseTagName, type Deployment } from '../core';
import type { GitStore } from '../git';
import { applyInput } from './apply';
import { RolloutError } from './errors';
import { deploymentName } from './names';
import type { Policy } from './policy';
import { readRecords } from './snapshot';
import type { ApplyResult, RollbackOptions } from './types';
import { findingsForTags, verifyRecords } from './verify';

/**
 * Re-promotes the SHA set of a recorded rollout (`--to` a tag name or its timestamp) through
 * the same rules and approvals. The new tags carry `rollback_of` and status `rolled_back`.
 */
export async function rollback(
  store: GitStore,
  deployment: Deployment,
  options: RollbackOptions,
): Promise<ApplyResult> {
  const name = deploymentName(deployment);
  // The record lookup reads through the store applyInput hands over, so a cancelled rollback
  // stops its git reads here too, before anything is written.
  return applyInput(store, deployment, options, async (snap, policy, reads) => {
    const to = options.to.trim().replace(/^refs\/tags\//, '');
    const asTag = parseTagName(to);
    let timestamp: string;
    let seq: number | undefined;
    if (asTag) {
      if (asTag.deployment !== name || asTag.target !== options.target)
        throw new RolloutError(
          'usage',
          `Tag ${to} is not a rollout of ${name} to ${options.target}.`,
        );
      timestamp = asTag.timestamp;
      seq = asTag.seq;
    } else {
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})[-:](\d{2})[-:](\d{2})Z(?:-(\d+))?$/.exec(to);
      if (!m)
        throw new RolloutError(
          'usage',
          `--to ${JSON.stringify(options.to)} is neither a deployment tag nor a timestamp such as 2025-01-22T12-00-00Z.`,
        );
      timestamp = `${m[1]}T${m[2]}-${m[3]}-${m[4]}Z`;
      seq = m[5] ? Number(m[5]) : undefined;
    }
    const group = snap.tags.filter(
      (t) =>
        t.parsed.target === options.target &&
        t.parsed.timestamp === timestamp &&
        (seq === undefined || t.parsed.seq === seq),
    );
    const records = await readRecords(reads, group);
    const usable = group.filter(
      (t) => records.get(t.name) && records.get(t.name)!.record.status !== 'failed',
    );
    if (usable.length === 0) {
      const recent = [
        ...new Set(
          snap.tags
            .filter((t) => t.parsed.target === options.target)
            .reverse()
            .map((t) => t.parsed.timestamp),
        ),
      ].slice(0, 5);
      throw new RolloutError(
        'usage',
        `No successful rollout of ${displayName(name)} to ${displayName(options.target)} matches '${displayName(options.to)}'.${recent.length ? ` Recent rollouts: ${recent.join(', ')}.` : ' Nothing has been rolled out there yet.'}`,
      );
    }
    const components: Record<string, { sha: string; tag: string }> = {};
    let from: string | undefined;
    for (const t of usable) {
      const { record: r, commit } = records.get(t.name)!;
      if (components[t.parsed.component]) continue;
      // The SHA comes from the tag object, never from its message: a hand-made tag whose
      // message names another commit is refused rather than trusted either way.
      if (r.git_sha !== commit)
        throw new RolloutError(
          'refused',
          `Cannot roll back to ${t.name}: its message says git_sha ${r.git_sha.slice(0, 9)} but the tag points at ${commit.slice(0, 9)}, so the record does not agree with its object. Run \`atmos-deployments verify ${name}\` to see the whole trail.`,
        );
      if (
        r.deployment !== name ||
        r.target !== t.parsed.target ||
        r.component !== t.parsed.component
      )
        throw new RolloutError(
          'refused',
          `Cannot roll back to ${t.name}: its message says it records ${r.deployment}/${r.target}/${r.component}, so the record does not agree with its name. Run \`atmos-deployments verify ${name}\` to see the whole trail.`,
        );
      components[t.parsed.component] = { sha: commit, tag: t.name };
      from ??= r.promoted_from;
    }
    await checkRollbackTrail(
      store,
      name,
      policy,
      Object.values(components).map((c) => c.tag),
    );
    return {
      target: options.target,
      components: options.components,
      redeploy: options.redeploy,
      now: options.now,
      restore: { from, components },
    };
  });
}

/**
 * A rollback may only return a target to a SHA set that reached it by a record that itself
 * followed the rules (design section 11): the records it returns to must have no `verify`
 * finding (allowed source, recorded there before, an approval of their own, a clean name and a
 * message that agrees with the tag). The whole trail is read for this, in a fixed number of
 * git processes, since a record's findings depend on the records before it.
 */
async function checkRollbackTrail(
  store: GitStore,
  name: string,
  policy: Policy,
  tags: string[],
): Promise<void> {
  const trail = await verifyRecords(store, { deployments: [name], policyRev: policy.sha });
  const found = findingsForTags(trail, tags);
  if (found.length === 0) return;
  const listed = found
    .slice(0, 3)
    .map((f) => `${f.ref.replace(/^refs\/tags\//, '')}: ${f.code} ${f.message}`)
    .join('\n  ');
  throw new RolloutError(
    'refused',
    `Cannot roll back to that rollout: the record${tags.length > 1 ? 's' : ''} it would return to did not follow the rules, so its SHA set may never have been allowed there:\n  ${listed}${found.length > 3 ? `\n  (${found.length - 3} more; run \`atmos-deployments verify ${name}\`)` : ''}`,
  );
}
