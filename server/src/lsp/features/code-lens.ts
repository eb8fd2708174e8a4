/**
 * A code lens above each target that has a promotion rule, one per source, as design section 7
 * draws it: `staging → prod: 3 commits ahead · requires approval`, `up to date`, `blocked:
 * nothing deployed in staging`. The state comes from core's promotionStatus over the live
 * deployed state; the count from one `git rev-list --count` per ready edge, cached with the live
 * state until the refs change, and left out (`ready`) where git cannot tell or the target has
 * nothing deployed yet.
 *
 * Above each entry point, the first step: `Roll out HEAD (abc1234 "subject") to dev`. In a
 * fresh repository every other lens is blocked, so without it nothing in the file said where
 * to start. A blocked lens runs the client's explanation of why, which offers the step that
 * unblocks it (computed here, from the rules, so the client does not derive it).
 */
import type { CodeLens } from 'vscode-languageserver';
import { displayName } from '../../core/display';
import {
  buildGraph,
  findTarget,
  promotionStatus,
  type DeployedState,
  type Deployment,
  type EdgeStatus,
  type Target,
} from '../../core';
import type { BlockedLensArgs, RollOutLensArgs, UnblockStep } from '../../protocol/requests';
import { commitsAheadText } from '../../rollout';
import type { FeatureContext } from '../context';
import { toRange } from '../conversions';
import type { HeadCommit } from '../live-state';

/** The command a lens runs in clients that have it (the VS Code client registers it). */
export const PROMOTE_COMMAND = 'atmosDeployments.promote';
/** The entry point's lens rolls out HEAD through the client's Roll Out, which shows the plan. */
export const ROLL_OUT_COMMAND = 'atmosDeployments.rollOut';
/** A blocked lens opens the client's explanation, the same one a blocked row of the tree opens. */
export const BLOCKED_COMMAND = 'atmosDeployments.showPlan';

/** Long subjects are cut so the lens stays on one line in a half-width editor. */
const SUBJECT_MAX = 50;

/** `abc1234 "Add a README"`: a commit as lenses and buttons name it. */
export function commitText(head: HeadCommit): string {
  const short = head.sha.slice(0, 7);
  if (!head.subject) return short;
  const subject =
    head.subject.length > SUBJECT_MAX ? `${head.subject.slice(0, SUBJECT_MAX - 1)}…` : head.subject;
  return `${short} "${subject}"`;
}

/**
 * The entry point's lens: roll out HEAD, or say that the target already runs it. Without a
 * commit to name (no repository, no commits) it still offers Roll Out, whose checks then say
 * what is missing in the editor's words.
 */
function entryLens(
  name: string,
  target: string,
  state: DeployedState,
  head: HeadCommit | undefined,
): { title: string; command: string; arguments?: RollOutLensArgs[] } {
  if (!head)
    return {
      title: `Roll out to ${target}`,
      command: ROLL_OUT_COMMAND,
      arguments: [{ deployment: name, target }],
    };
  const running = Object.values(state[target] ?? {});
  if (running.length > 0 && running.every((c) => c.sha === head.sha))
    return { title: `${target} runs HEAD (${commitText(head)})`, command: '' };
  return {
    title: `Roll out HEAD (${commitText(head)}) to ${target}`,
    command: ROLL_OUT_COMMAND,
    arguments: [{ deployment: name, target, gitSha: head.sha }],
  };
}

/**
 * What unblocks a blocked edge: something recorded on its source, by a rollout of HEAD when the
 * source is an entry point and by a promotion into it otherwise. An edge on a promotion cycle
 * has no such step: only an edit of the rules unblocks it.
 */
export function unblockStep(
  d: Deployment,
  e: EdgeStatus,
  onCycle: boolean,
  head: HeadCommit | undefined,
  targetNamed: (name: string) => Target | undefined = (n) => findTarget(d, n),
): UnblockStep | undefined {
  if (e.state !== 'blocked' || onCycle) return undefined;
  const source = targetNamed(e.from);
  if (!source) return undefined;
  if (source.promotion)
    return { kind: 'promote', target: e.from, title: `Promote to ${displayName(e.from)}` };
  return head
    ? {
        kind: 'rollOut',
        target: e.from,
        gitSha: head.sha,
        title: `Roll Out HEAD (${head.sha.slice(0, 7)}) to ${displayName(e.from)}`,
      }
    : { kind: 'rollOut', target: e.from, title: `Roll Out to ${displayName(e.from)}` };
}

export function lensText(e: EdgeStatus, commitsAhead?: number): string {
  const approval = e.state === 'ready, requires approval' ? ' · requires approval' : '';
  const state =
    e.state === 'blocked'
      ? `blocked${e.why ? `: ${e.why}` : ''}`
      : e.state === 'up to date'
        ? e.state
        : `${aheadText(e, commitsAhead)}${approval}`;
  return `${e.from} → ${e.to}: ${state}`;
}

/**
 * `3 commits ahead`; `ready` when git cannot tell; and, when the source has nothing the target
 * lacks (the target runs newer commits), says so, since promoting would move the target back.
 */
function aheadText(e: EdgeStatus, commitsAhead: number | undefined): string {
  if (commitsAhead === undefined) return 'ready';
  if (commitsAhead === 0) return `${e.to} runs newer commits`;
  return commitsAheadText(commitsAhead);
}

/** Commits the source runs that the target does not, for a ready edge whose target runs something. */
async function aheadOf(ctx: FeatureContext, name: string, e: EdgeStatus) {
  const moving = e.changes.filter((c) => c.sourceSha && c.targetSha && c.sourceSha !== c.targetSha);
  if (moving.length === 0) return undefined;
  return ctx.live.commitsAhead(
    name,
    [...new Set(moving.map((c) => c.targetSha!))],
    [...new Set(moving.map((c) => c.sourceSha!))],
  );
}

export async function codeLenses(ctx: FeatureContext, uri: string): Promise<CodeLens[]> {
  const file = ctx.docs.deployment(uri);
  const d = file?.deployment;
  if (!file || !d) return [];
  let state: DeployedState = {};
  const name = d.name?.value;
  if (name !== undefined) {
    try {
      state = await ctx.live.deployed(name);
    } catch {
      // Without live state every edge shows as blocked; the hover explains why.
      state = {};
    }
  }
  const edges = promotionStatus(d, state);
  const head = name !== undefined ? await ctx.live.head?.(name) : undefined;
  const graph = buildGraph(d);
  const onCycle = (e: EdgeStatus) =>
    graph.cycles.some((c) => c.edges.some((x) => x.from === e.from && x.to === e.to));
  const ahead = await Promise.all(
    edges.map((e) =>
      name !== undefined && e.state !== 'blocked' && e.state !== 'up to date'
        ? aheadOf(ctx, name, e)
        : undefined,
    ),
  );
  const entries: CodeLens[] =
    name === undefined
      ? []
      : d.targets
          .filter((t) => !t.promotion)
          .map((t) => ({
            range: toRange(t.keyRange),
            command: entryLens(name, t.name, state, head),
          }));
  // By name once: finding each edge's target in the list is quadratic at thousands of targets.
  const byName = new Map<string, Target>();
  for (const t of d.targets) if (!byName.has(t.name)) byName.set(t.name, t);
  const edgeLenses = edges.flatMap((e, i): CodeLens[] => {
    const target = byName.get(e.to);
    if (!target) return [];
    const title = lensText(e, ahead[i]);
    const range = toRange(target.keyRange);
    // A lens that cannot act still needs a command object; an empty id makes it plain text.
    if (name === undefined) return [{ range, command: { title, command: '' } }];
    if (e.state === 'ready' || e.state === 'ready, requires approval')
      return [
        {
          range,
          command: {
            title,
            command: PROMOTE_COMMAND,
            arguments: [{ deployment: name, target: e.to, from: e.from }],
          },
        },
      ];
    if (e.state !== 'blocked') return [{ range, command: { title, command: '' } }];
    const args: BlockedLensArgs = {
      deployment: name,
      edge: {
        from: e.from,
        to: e.to,
        state: e.state,
        label: e.label,
        why: e.why,
        requiresApproval: e.requiresApproval,
        changes: e.changes,
      },
    };
    const unblock = unblockStep(d, e, onCycle(e), head, (n) => byName.get(n));
    if (unblock) args.unblock = unblock;
    return [{ range, command: { title, command: BLOCKED_COMMAND, arguments: [args] } }];
  });
  return [...entries, ...edgeLenses];
}
