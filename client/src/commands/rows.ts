/**
 * What a row of the Promotions view does on click and Enter. A target reveals its key in the
 * YAML; an edge opens its plan: a ready one goes through Promote, whose modal is the exact plan
 * and asks before anything is written; a blocked one says why and offers the step that unblocks
 * it, since planning it would only fail.
 */
import { displayName } from '../../../server/src/core/display';
import * as vscode from 'vscode';
import type { ApplyResult } from '../../../server/src/protocol/requests';
import type { CommandContext } from './context';
import type { CommandArgs } from './pick';
import { promote } from './rollout';

/** Blocked-edge notices shown, newest last, with their buttons (for the in-host tests). */
export const blockedNotices: Array<{ message: string; actions: string[] }> = [];

export async function showPlan(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<ApplyResult | undefined> {
  const edge = args?.edge;
  if (!edge || edge.state !== 'blocked') return promote(ctx, args);
  const deployment = typeof args.deployment === 'string' ? args.deployment : args.deployment?.name;
  const empty = /^nothing deployed in /.test(edge.why ?? '');
  const unblock = `Promote to ${displayName(edge.from)}`;
  const actions = empty && deployment ? [unblock] : [];
  const message = `${displayName(edge.from)} → ${displayName(edge.to)} is blocked: ${edge.why ?? edge.label}.${
    empty ? ` Put something on ${displayName(edge.from)} first.` : ''
  }`;
  blockedNotices.push({ message, actions });
  const choice = await vscode.window.showInformationMessage(message, ...actions);
  if (choice === unblock && deployment)
    await vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment,
      target: edge.from,
    });
  return undefined;
}
