/**
 * Review, Approve and Decline of approval requests (design section 11), from the Promotions
 * view, the status bar, a notification or the palette. Approving a request is the Approve
 * command on the request's plan (the modal shows the exact plan; the server signs review
 * approvals and refuses when the plan moved on since the request); declining asks for a reason.
 */
import * as vscode from 'vscode';
import { displayName } from '../../../server/src/core/display';
import {
  DeclineRequest,
  type ApprovalRequestInfo,
  type ApproveResult,
  type DeclineResult,
} from '../../../server/src/protocol/requests';
import { requestDetail, requestRoute } from '../requests/requests';
import type { CommandContext } from './context';
import { errorText } from '../log';
import { approve } from './rollout';
import { compareTargets } from './views';

/** Test hook: answers the decline reason box instead of a person (undefined: ask). */
let reasonPrompt: ((r: ApprovalRequestInfo) => Promise<string | undefined>) | undefined;

export function setDeclineReasonPrompt(
  p: ((r: ApprovalRequestInfo) => Promise<string | undefined>) | undefined,
): void {
  reasonPrompt = p;
}

function isRequest(v: unknown): v is ApprovalRequestInfo {
  const r = v as ApprovalRequestInfo | undefined;
  return !!r && typeof r.deployment === 'string' && typeof r.requestedAt === 'string';
}

/** The request a command acts on: the one it was given, else one picked (yours first). */
async function pickRequest(
  ctx: CommandContext,
  args: Record<string, unknown> | undefined,
  title: string,
): Promise<ApprovalRequestInfo | undefined> {
  if (isRequest(args?.request)) return args.request;
  if (isRequest(args)) return args;
  const list = await ctx.requests.load();
  if (list.length === 0) {
    void vscode.window.showInformationMessage(
      'Atmos Deployments: no approval requests are open. A rollout run with --wait records one when its target needs approval.',
    );
    return undefined;
  }
  const sorted = [...list].sort((a, b) => Number(b.yours) - Number(a.yours));
  if (sorted.length === 1) return sorted[0];
  const picked = await vscode.window.showQuickPick(
    sorted.map((r) => ({
      label: requestRoute(r),
      description: `${r.yours ? 'yours to approve · ' : ''}by ${displayName(r.requestedBy)}`,
      detail: r.summary,
      request: r,
    })),
    { title, placeHolder: 'Which approval request?' },
  );
  return picked?.request;
}

export async function approveRequest(
  ctx: CommandContext,
  args?: Record<string, unknown>,
): Promise<ApproveResult | undefined> {
  const r = await pickRequest(ctx, args, 'Approve a request');
  if (!r) return undefined;
  return r.direct
    ? approve(ctx, {
        deployment: r.deployment,
        target: r.target,
        gitSha: Object.values(r.components)[0],
      })
    : approve(ctx, { deployment: r.deployment, target: r.target, from: r.promotedFrom });
}

export async function declineRequest(
  ctx: CommandContext,
  args?: Record<string, unknown>,
): Promise<DeclineResult | undefined> {
  const r = await pickRequest(ctx, args, 'Decline a request');
  if (!r) return undefined;
  const reason = reasonPrompt
    ? await reasonPrompt(r)
    : await vscode.window.showInputBox({
        title: `Decline ${requestRoute(r)}`,
        prompt: `Why? ${displayName(r.requestedBy)} sees this reason, and their waiting rollout stops.`,
        placeHolder: 'for example: change freeze until Monday',
        validateInput: (v) => (v.trim() ? undefined : 'A decline needs a reason.'),
        ignoreFocusOut: true,
      });
  if (!reason?.trim()) return undefined;
  try {
    const done = await ctx.session.request(DeclineRequest, {
      deployment: r.deployment,
      target: r.target,
      reason,
    });
    void vscode.window.showInformationMessage(`Atmos Deployments: ${done.message}`);
    ctx.refresh();
    return done;
  } catch (err) {
    void vscode.window.showErrorMessage(`Atmos Deployments: ${errorText(err)}`);
    return undefined;
  }
}

/** Shows the request's plan; from there Approve, Decline or Compare Targets (the commit range). */
export async function reviewRequest(
  ctx: CommandContext,
  args?: Record<string, unknown>,
): Promise<unknown> {
  const r = await pickRequest(ctx, args, 'Review a request');
  if (!r) return undefined;
  const choice = await vscode.window.showInformationMessage(
    `Review the approval request ${requestRoute(r)}`,
    { modal: true, detail: requestDetail(r) },
    ...(r.yours ? ['Approve…'] : []),
    'Decline…',
    ...(r.direct ? [] : ['Compare Targets']),
  );
  if (choice === 'Approve…') return approveRequest(ctx, { request: r });
  if (choice === 'Decline…') return declineRequest(ctx, { request: r });
  if (choice === 'Compare Targets')
    return compareTargets(ctx, {
      deployment: r.deployment,
      target: r.promotedFrom,
      with: r.target,
    });
  return undefined;
}
