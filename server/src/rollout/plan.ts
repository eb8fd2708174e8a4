/**
 * Planning a rollout: which components move to which SHAs, from where, whether the promotion
 * rules allow it (asked of the core's `checkPromotion`, never re-derived), and whether a
 * recorded approval covers exactly this plan. Planning writes nothing.
 */
import {
  displayName,
  approvalMatches,
  approvalMismatch,
  approvalSpentBy,
  checkPromotion,
  ownSource,
  componentNames,
  findTarget,
  notesRef,
  parseApprovalNote,
  scopeSource,
  DIRECT_SOURCE,
  type Approval,
  type ApprovalScope,
  type Deployment,
  type DeploymentRecord,
} from '../core';
import type { GitStore, NoteLineOrigin, RepoInfo } from '../git';
import { RolloutError } from './errors';
import {
  recordsAfter,
  reviewApprovals,
  reviewContext,
  spentMessage,
  type FoundApproval,
  type ReviewContext,
} from './review';
import { checkNames, deploymentName } from './names';
import { loadPolicy } from './policy';
import { checkSourceBacking, sourceTagsToRead } from './source-backing';
import { fillIndex, gitCall, readSnapshot, type Snapshot } from './snapshot';
import {
  COMMITS_AHEAD_LIMIT,
  type PlannedComponent,
  type RolloutOptions,
  type RolloutPlan,
} from './types';

/** What a rollback adds to a plan: the exact SHA set to put back and where each came from. */
export interface PlanInput extends RolloutOptions {
  restore?: { from?: string; components: Record<string, { sha: string; tag: string }> };
  /** The repository as already described (loading the policy asks), to save a git process. */
  repo?: RepoInfo;
  /**
   * The committed `.atmos/allowed_signers` the policy was read with (`text` absent when there
   * is none); without it a review target reads the file at HEAD.
   */
  signers?: { text?: string };
}

/** The word used as `promoted_from` in the approval of a commit rolled onto a target directly. */
export { DIRECT_SOURCE } from '../core';

/**
 * Plans a rollout without writing anything. Throws a RolloutError: `refused` when the rules
 * say no (with the spec's message), `usage` for unknown names or git problems.
 */
export async function planRollout(
  store: GitStore,
  deployment: Deployment,
  options: RolloutOptions,
): Promise<RolloutPlan> {
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  // A preview with a policy source follows the committed rules a write would, and says so
  // (uncommitted changes) before anyone is asked to approve.
  const policy = options.policy
    ? await loadPolicy(store, name, options.policy, undefined)
    : undefined;
  const plan = await planFrom(
    store,
    policy?.deployment ?? deployment,
    options,
    await readSnapshot(store, name),
  );
  if (policy) plan.policySha = policy.sha;
  return withCommitsAhead(store, plan);
}

/**
 * Adds what a person needs to decide: how many commits the target moves forward, the subject of
 * every SHA in the plan and who is acting. It costs three git processes whatever the number of
 * components (one count, one `cat-file --batch`, one `git var`), so it is done only where
 * someone reads it before deciding (a plan shown in the editor, a dry run, an approval prompt),
 * not in an unattended rollout.
 */
export async function withCommitsAhead(store: GitStore, plan: RolloutPlan): Promise<RolloutPlan> {
  // A plan that moves nothing is answered with "nothing to do"; nobody decides from it.
  if (plan.nothingToDo) return plan;
  const [commitsAhead, subjects, actor] = await Promise.all([
    countAhead(store, plan.components),
    readSubjects(store, plan.components),
    store.identity().then(
      (id) => `${id.name} <${id.email}>`,
      () => undefined,
    ),
  ]);
  if (commitsAhead !== undefined) plan.commitsAhead = commitsAhead;
  if (subjects) plan.subjects = subjects;
  if (actor) plan.actor = actor;
  return plan;
}

/** Subjects of the planned and current SHAs; a failure only leaves them out, as they are a hint. */
async function readSubjects(
  store: GitStore,
  components: PlannedComponent[],
): Promise<Record<string, string> | undefined> {
  const shas = [
    ...new Set(components.flatMap((c) => (c.currentSha ? [c.sha, c.currentSha] : [c.sha]))),
  ];
  if (shas.length === 0) return undefined;
  try {
    return Object.fromEntries(await store.commitSubjects(shas));
  } catch {
    return undefined;
  }
}

export async function planFrom(
  store: GitStore,
  deployment: Deployment,
  input: PlanInput,
  snap: Snapshot,
): Promise<RolloutPlan> {
  const name = deploymentName(deployment);
  const { target } = input;
  const source = ownSource(deployment, input.restore ? input.restore.from : input.promoteFrom);
  if (input.promoteFrom !== undefined && input.gitSha !== undefined)
    throw new RolloutError('usage', 'Use either --promote-from or --git-sha, not both.');
  // Names first: `prоd` with a Cyrillic `о` must be refused as the look-alike it is, with the
  // character named, not reported as one more unknown target. A source of the form
  // `other-deployment/target` is left to the promotion rule, whose message for it is the spec's
  // (`Cannot promote across deployments`).
  const crossDeployment = source?.includes('/') ?? false;
  checkNames({
    deployment: name,
    targets: [target, crossDeployment ? undefined : source],
    components: input.components,
  });
  const decision = checkPromotion(deployment, target, source);
  if (!decision.ok) {
    const usage = decision.reason === 'unknown-target' || decision.reason === 'unknown-source';
    throw new RolloutError(usage ? 'usage' : 'refused', decision.message);
  }
  checkNames({ deployment: name, targets: [target, source], components: input.components });
  const declared = componentNames(deployment);
  const requested = input.components?.length ? [...new Set(input.components)] : undefined;
  if (requested && declared.length) {
    const unknown = requested.filter((c) => !declared.includes(c));
    if (unknown.length)
      throw new RolloutError(
        'usage',
        `Unknown component${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `'${displayName(c)}'`).join(', ')} in deployment ${displayName(name)}. Known components: ${declared.map(displayName).join(', ')}.`,
      );
  }
  const warnings: string[] = [];
  const skipped: string[] = [];
  const planned: Array<{ component: string; sha: string; rollbackOf?: string }> = [];

  if (input.restore) {
    for (const [component, r] of Object.entries(input.restore.components)) {
      if (requested && !requested.includes(component)) continue;
      planned.push({ component, sha: r.sha, rollbackOf: r.tag });
    }
    if (planned.length === 0)
      throw new RolloutError(
        'usage',
        'That recorded rollout holds none of the components asked for.',
      );
  } else if (source !== undefined) {
    const deployed = snap.refs.get(source) ?? new Map<string, string>();
    const names = requested ?? (declared.length ? declared : [...deployed.keys()]);
    const missing = names.filter((c) => !deployed.has(c));
    if (missing.length === names.length || (requested && missing.length))
      throw new RolloutError(
        'refused',
        `Cannot promote from ${source}: nothing is deployed there yet for ${name}${requested ? ` (component${missing.length > 1 ? 's' : ''} ${missing.join(', ')})` : ''}.`,
      );
    for (const c of names) {
      const sha = deployed.get(c);
      if (sha) planned.push({ component: c, sha });
      else skipped.push(c);
    }
  } else {
    let sha: string | undefined;
    if (input.gitSha === undefined) {
      const info = input.repo ?? (await gitCall(() => store.repoInfo()));
      if (!info.head)
        throw new RolloutError(
          'usage',
          'This repository has no commits yet: commit first, or pass --git-sha <commit>.',
          undefined,
          'no-commits',
        );
      if (info.detached)
        warnings.push(`HEAD is detached at ${info.head.slice(0, 9)}; deploying that commit.`);
      sha = info.head;
    } else {
      sha = await gitCall(() => store.resolveCommit(input.gitSha!));
      if (!sha)
        throw new RolloutError(
          'usage',
          `'${JSON.stringify(input.gitSha).slice(1, -1)}' is not a commit in this repository.`,
        );
    }
    const names = requested ?? declared;
    if (names.length === 0)
      throw new RolloutError(
        'usage',
        `Deployment ${name} declares no components; add them under \`components:\` or pass --component.`,
      );
    for (const c of names) planned.push({ component: c, sha });
  }

  // One `cat-file --batch` checks that every commit is here, reads the target's status index
  // (which the rollout rewrites) and the newest records of the source's components (which must
  // back the refs the promotion copies), so a rollout costs no extra git process for them.
  const commits = [...new Set(planned.map((p) => p.sha))];
  const indexRef = snap.indexes.get(target);
  const backing =
    source !== undefined && !input.restore
      ? sourceTagsToRead(
          snap,
          source,
          planned.map((p) => p.component),
        )
      : undefined;
  const objects = await gitCall(() =>
    store.readObjects([
      ...commits,
      ...(indexRef ? [indexRef.sha] : []),
      ...(backing?.first.map((t) => t.sha) ?? []),
    ]),
  );
  if (indexRef) fillIndex(snap, name, target, objects.get(indexRef.sha)?.tag?.message);
  if (backing && source !== undefined)
    await checkSourceBacking(store, name, source, planned, backing, objects);
  const missingCommits = commits.filter((c) => objects.get(c)?.type !== 'commit');
  if (missingCommits.length) {
    const who = planned.find((p) => p.sha === missingCommits[0])!;
    throw new RolloutError(
      'usage',
      `Commit ${missingCommits[0]} (${source ?? 'requested'} ${who.component}) is not in this clone; it may be a shallow clone. Run \`git fetch --unshallow\` (or fetch that commit) and try again.`,
    );
  }

  const current = snap.refs.get(target);
  const components: PlannedComponent[] = planned.map((p) => ({
    component: p.component,
    sha: p.sha,
    currentSha: current?.get(p.component),
    ...(p.rollbackOf ? { rollbackOf: p.rollbackOf } : {}),
  }));
  const plan: RolloutPlan = {
    deployment: name,
    target,
    promotedFrom: source,
    components,
    skipped,
    requiresApproval: decision.requiresApproval,
    approved: false,
    nothingToDo: components.every((c) => c.sha === c.currentSha),
    warnings,
  };
  // A commit rollout's approvals written by earlier versions say `commit`; they still count,
  // unless a real target has that name (then the word means that target).
  const legacy = scopeSource(source, (t) => !!findTarget(deployment, t)).legacyFrom;
  if (source === undefined && legacy !== undefined) plan.legacyFrom = legacy;
  if (plan.requiresApproval) {
    const review = await reviewContext(store, deployment, target, input.signers);
    const found = await findApproval(store, approvalScope(plan), snap, review);
    plan.approved = !!found.approval;
    plan.approval = found.approval;
    if (found.approvals) plan.approvals = found.approvals;
    if (found.review) plan.review = found.review;
    plan.approvalProblem = found.problem;
    warnings.push(...found.warnings);
  }
  return plan;
}

/**
 * One `git rev-list --count` over every component that moves from one recorded SHA to another.
 * It only informs the user, so any failure leaves the count out rather than failing the plan.
 */
async function countAhead(
  store: GitStore,
  components: PlannedComponent[],
): Promise<number | undefined> {
  const moving = components.filter((c) => c.currentSha && c.currentSha !== c.sha);
  if (moving.length === 0) return undefined;
  try {
    return await store.countCommits(
      [...new Set(moving.map((c) => c.currentSha!))],
      [...new Set(moving.map((c) => c.sha))],
      COMMITS_AHEAD_LIMIT,
    );
  } catch {
    return undefined;
  }
}

export function approvalScope(plan: RolloutPlan): ApprovalScope {
  return {
    deployment: plan.deployment,
    target: plan.target,
    // A source target is taken as named; only a commit rollout has the placeholder, and the
    // legacy word where the plan says it is safe.
    ...(plan.promotedFrom !== undefined
      ? { promotedFrom: plan.promotedFrom }
      : {
          promotedFrom: DIRECT_SOURCE,
          ...(plan.legacyFrom !== undefined ? { legacyFrom: plan.legacyFrom } : {}),
        }),
    components: Object.fromEntries(plan.components.map((c) => [c.component, c.sha])),
  };
}

/**
 * Looks for a recorded, unspent approval of exactly this plan in the notes on its commits.
 * Approvals are single-use (design section 11): one that a rollout's tags already carry does
 * not count again, so a rollback or a second rollout of the same SHAs needs a new one. Lines
 * that are not valid approvals are ignored and reported as warnings; they never count.
 */
export async function findApproval(
  store: GitStore,
  scope: ApprovalScope,
  snapshot?: Snapshot,
  review?: ReviewContext,
  pre?: Prefetched,
): Promise<FoundApproval> {
  const commits = [...new Set(Object.values(scope.components))];
  const notes =
    pre?.notes ?? (await gitCall(() => store.readNotes(notesRef(scope.deployment), commits)));
  const { matching, problem, warnings } = matchingApprovals(notes, scope);
  if (review)
    return reviewApprovals(store, scope, review, matching, problem, warnings, snapshot, pre);
  if (matching.length === 0) return { problem, warnings };
  const records = pre?.records ?? (await recordsAfter(store, scope, matching, snapshot));
  let spent: string | undefined;
  for (const a of matching) {
    const by = approvalSpentBy(a, records);
    if (!by) return { approval: a, approvals: [a], warnings };
    spent ??= spentMessage(a, by.timestamp);
  }
  return { problem: spent ?? problem, warnings };
}

/**
 * What callers that look at many plans at once (the approval requests of a deployment) read
 * once for all of them: the notes of every commit involved, the records that may have spent
 * their approvals, and the notes' signature history.
 */
export interface Prefetched {
  notes?: Map<string, string>;
  records?: DeploymentRecord[];
  origins?: NoteLineOrigin[];
}

/**
 * The approval lines in `notes` (commit → note text) that match this plan exactly, each once,
 * with the first reason a near miss (same deployment and target) does not count, and warnings
 * for lines that are not approvals. Pure.
 */
export function matchingApprovals(
  notes: Map<string, string>,
  scope: ApprovalScope,
): { matching: Approval[]; problem?: string; warnings: string[] } {
  const commits = [...new Set(Object.values(scope.components))];
  const warnings: string[] = [];
  let problem: string | undefined;
  const matching: Approval[] = [];
  const seen = new Set<string>();
  for (const commit of commits) {
    const text = notes.get(commit);
    if (text === undefined) continue;
    const parsed = parseApprovalNote(text);
    for (const bad of parsed.invalid)
      warnings.push(
        `Ignored an invalid approval note on ${commit.slice(0, 9)} (line ${bad.line}): ${bad.reason}.`,
      );
    for (const a of parsed.approvals) {
      if (approvalMatches(a, scope)) {
        // The same approval sits on every commit of its plan; count it once.
        const key = JSON.stringify([a.approved_by, a.approved_at]);
        if (!seen.has(key)) matching.push(a);
        seen.add(key);
      } else if (a.deployment === scope.deployment && a.target === scope.target && !problem) {
        const why = approvalMismatch(a, scope);
        if (why) problem = `The approval by ${a.approved_by} does not count: ${why}.`;
      }
    }
  }
  return { matching, problem, warnings };
}
