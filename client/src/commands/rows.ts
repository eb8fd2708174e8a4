/**
 * What a row of the Promotions view or a lens does on click and Enter. A target reveals its key
 * in the YAML; an edge opens its plan: a ready one goes through Promote, whose modal is the
 * exact plan and asks before anything is written; a blocked one says why and offers the step
 * that unblocks it, since planning it would only fail.
 */
import { displayName } from '../../../server/src/core/display';
import * as vscode from 'vscode';
import type {
  ApplyResult,
  DeploymentInfo,
  EdgeInfo,
  UnblockStep,
} from '../../../server/src/protocol/requests';
import type { CommandContext } from './context';
import type { CommandArgs } from './pick';
import { promote } from './rollout';

/** Blocked-edge notices shown, newest last, with their buttons (for the in-host tests). */
export const blockedNotices: Array<{ message: string; actions: string[] }> = [];

/** The command each kind of unblocking step runs. */
const STEP_COMMANDS: Record<UnblockStep['kind'], string> = {
  rollOut: 'atmosDeployments.rollOut',
  promote: 'atmosDeployments.promote',
};

export async function showPlan(
  ctx: CommandContext,
  args?: CommandArgs & { unblock?: UnblockStep },
): Promise<ApplyResult | undefined> {
  const edge = args?.edge;
  if (!edge || edge.state !== 'blocked') return promote(ctx, args);
  const deployment = typeof args.deployment === 'string' ? args.deployment : args.deployment?.name;
  const step = args.unblock ?? treeStep(edge, args.deployment);
  const message = blockedMessage(edge, step);
  const actions = step && deployment ? [step.title] : [];
  blockedNotices.push({ message, actions });
  const choice = await vscode.window.showInformationMessage(message, ...actions);
  if (!step || !deployment || choice !== step.title) return undefined;
  // The step's own command plans it and shows its modal; its result is this command's.
  return vscode.commands.executeCommand<ApplyResult | undefined>(STEP_COMMANDS[step.kind], {
    deployment,
    target: step.target,
    gitSha: step.gitSha,
  });
}

/**
 * Why the edge is blocked and what to do first, in one sentence each. A rollout and a promotion
 * are named differently, since a newcomer does not yet know that an entry point takes commits.
 */
export function blockedMessage(edge: EdgeInfo, step: UnblockStep | undefined): string {
  const from = displayName(edge.from);
  const to = displayName(edge.to);
  const why = `${from} → ${to} is blocked: ${edge.why ?? edge.label}.`;
  if (!step) return why;
  const first =
    step.kind === 'rollOut'
      ? `Roll out a commit to ${from} first (it is an entry point: it takes commits directly), then promote it to ${to}.`
      : `Put something on ${from} first: promote to it, then from it to ${to}.`;
  return `${why} ${first}`;
}

/**
 * The step for a tree row, whose edge comes without one: from what the status says of its
 * source, a rollout when it is an entry point and a promotion otherwise. A source with
 * something deployed (a cycle, or an unrecorded ref) has none offered here.
 */
function treeStep(
  edge: EdgeInfo,
  deployment: string | DeploymentInfo | undefined,
): UnblockStep | undefined {
  if (!/^nothing deployed in /.test(edge.why ?? '')) return undefined;
  const source =
    typeof deployment === 'object'
      ? deployment.targets.find((t) => t.name === edge.from)
      : undefined;
  const from = displayName(edge.from);
  return source?.entryPoint
    ? { kind: 'rollOut', target: edge.from, title: `Roll Out to ${from}` }
    : { kind: 'promote', target: edge.from, title: `Promote to ${from}` };
}
