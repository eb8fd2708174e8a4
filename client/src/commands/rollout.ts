/**
 * The commands that write git records: promote, roll out a commit, approve and roll back. Each
 * plans through the server first (which writes nothing), shows the plan, asks for approval when
 * the target needs it, and only then applies, with a progress notification. The server does the
 * writing; the client never runs git.
 */
import { displayName } from '../../../server/src/core/display';
import * as vscode from 'vscode';
import {
  ApplyRolloutRequest,
  ApproveRequest,
  HistoryRequest,
  PlanRolloutRequest,
  PlanRollbackRequest,
  RollbackRequest,
  type ApplyResult,
  type ApproveResult,
  type HistoryEntry,
  type RolloutErrorData,
  type RolloutParams,
  type RolloutPlan,
} from '../../../server/src/protocol/requests';
import { askApproval } from '../approval';
import { errorText } from '../log';
import { shortSha } from '../tree/promotionsTree';
import type { CommandContext } from './context';
import { applyWithProgress } from './deploying';
import { report, reportCancelled, showFailure } from './notices';
import { checkRollOut, gitNotice, showNotice } from './preflight';
import { RequestFailed } from '../session';
import { pickDeployment, pickSource, pickTarget, type CommandArgs } from './pick';

/** Plans, asks, applies. Resolves to the server's result, or undefined when nothing was done. */
async function planAndApply(
  ctx: CommandContext,
  params: RolloutParams,
  title: string,
  kind: 'rollout' | 'promote',
): Promise<ApplyResult | undefined> {
  let plan: RolloutPlan;
  try {
    const res = await ctx.session.request(PlanRolloutRequest, params);
    if (res.refusal || !res.plan) {
      void showFailure(ctx, res.refusal ?? 'the server returned no plan');
      return { ok: false, tags: [], message: res.refusal ?? 'no plan' };
    }
    plan = res.plan;
  } catch (err) {
    const data = err instanceof RequestFailed ? (err.data as RolloutErrorData) : undefined;
    const notice = gitNotice(data?.reason, errorText(err));
    if (notice) void showNotice(notice);
    else void showFailure(ctx, errorText(err), err);
    return { ok: false, tags: [], message: notice?.message ?? errorText(err) };
  }
  if (plan.nothingToDo) {
    const message = `${plan.target} already runs these SHAs; nothing to do.`;
    void vscode.window.showInformationMessage(message);
    return { ok: true, tags: [], message };
  }
  // A target that requires approval gets the approval modal; others get the same plan as a
  // confirmation, so nobody promotes without seeing what moves.
  const needsApproval = plan.requiresApproval && !plan.approved;
  const yes = await askApproval(plan, { kind, needsApproval });
  if (!yes) {
    ctx.log.info(`${title}: cancelled by the user; nothing was written`);
    void vscode.window.showInformationMessage('Cancelled: nothing was written.');
    return undefined;
  }
  const { result, failure, cancelRequested } = await applyWithProgress(
    ctx,
    title,
    'checking the records… (Cancel stops it before anything is written)',
    (deployId, token) =>
      ctx.session.request(
        ApplyRolloutRequest,
        { ...params, approve: needsApproval, ...(deployId ? { deployId } : {}) },
        token,
      ),
  );
  const where = { deployment: params.deployment, target: params.target };
  if (reportCancelled(ctx, title, failure, cancelRequested)) return undefined;
  report(ctx, title, result, where, failure);
  return result;
}

export async function promote(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<ApplyResult | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const target = await pickTarget(deployment, args, (t) => !t.entryPoint, 'Promote to');
  if (!target) return undefined;
  if (target.entryPoint && !args?.from && !args?.edge) {
    return rollOut(ctx, { ...args, deployment: deployment.name, target: target.name });
  }
  const from = await pickSource(deployment, target, args);
  if (!from) return undefined;
  return planAndApply(
    ctx,
    { deployment: deployment.name, target: target.name, promoteFrom: from },
    `Promoting ${deployment.name}: ${from} → ${target.name}`,
    'promote',
  );
}

/**
 * Why the Roll Out input cannot be used, or undefined when it can. The server resolves any
 * revision git does (as `--git-sha` does in the CLI) and names one that is not a commit, so
 * only what can never be a revision is refused here: the box used to accept hex digits alone,
 * which refused even the `HEAD` its own placeholder suggests.
 */
export function revisionProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (/[\s\p{Cc}]/u.test(value)) return 'A revision has no spaces or control characters.';
  if (value.startsWith('-')) return 'A revision cannot start with "-".';
  return undefined;
}

export async function rollOut(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<ApplyResult | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const target = await pickTarget(deployment, args, (t) => t.entryPoint, 'Roll out a commit to', {
    single: 'pick',
  });
  if (!target) return undefined;
  let gitSha = args?.gitSha;
  if (gitSha === undefined) {
    // Every reason it cannot happen (no git, no commit, the rules) is said before asking.
    const head = await checkRollOut(ctx, deployment.name, target.name);
    if (!head) return undefined;
    const sha = head.components[0]?.sha;
    const subject = sha && head.subjects?.[sha];
    const headText = sha ? ` (${shortSha(sha)}${subject ? ` "${subject}"` : ''})` : '';
    const typed = await vscode.window.showInputBox({
      title: `Roll out to ${displayName(target.name)}`,
      prompt: `Commit to roll out: a SHA, branch, tag or HEAD~n (empty for HEAD${headText})`,
      placeHolder: 'HEAD',
      ignoreFocusOut: true,
      validateInput: revisionProblem,
    });
    if (typed === undefined) return undefined;
    gitSha = typed;
  }
  // A full SHA is shortened for the title; a branch or tag name is shown whole.
  const shown =
    gitSha === '' ? 'HEAD' : /^[0-9a-f]{8,40}$/i.test(gitSha) ? shortSha(gitSha) : gitSha;
  return planAndApply(
    ctx,
    { deployment: deployment.name, target: target.name, gitSha: gitSha || undefined },
    `Rolling out ${shown} to ${deployment.name}/${target.name}`,
    'rollout',
  );
}

export async function approve(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<ApproveResult | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const target = await pickTarget(
    deployment,
    args,
    (t) => t.requiresApproval,
    'Approve promotion to',
  );
  if (!target) return undefined;
  // A request for a commit rolled out directly names its commit; a promotion, its source.
  const gitSha = args?.gitSha;
  const from = gitSha ? undefined : await pickSource(deployment, target, args);
  if (!gitSha && !from) return undefined;
  try {
    const res = await ctx.session.request(PlanRolloutRequest, {
      deployment: deployment.name,
      target: target.name,
      promoteFrom: from,
      gitSha,
    });
    if (!res.plan) {
      void showFailure(ctx, res.refusal ?? 'the server returned no plan');
      return undefined;
    }
    if (!(await askApproval(res.plan, { kind: 'approve' }))) {
      void vscode.window.showInformationMessage('Cancelled: no approval was recorded.');
      return undefined;
    }
    const role = vscode.workspace.getConfiguration('atmosDeployments').get<string>('approvalRole');
    const done = await ctx.session.request(ApproveRequest, {
      deployment: deployment.name,
      target: target.name,
      promoteFrom: from,
      gitSha,
      role: role || undefined,
    });
    void vscode.window.showInformationMessage(done.message);
    ctx.refresh();
    return done;
  } catch (err) {
    void showFailure(ctx, errorText(err), err);
    return undefined;
  }
}

/** One recorded rollout of a whole target: the tags that share a timestamp. */
interface RolloutGroup {
  timestamp: string;
  entries: HistoryEntry[];
}

export function groupByRollout(entries: HistoryEntry[]): RolloutGroup[] {
  const groups = new Map<string, HistoryEntry[]>();
  for (const e of entries) {
    const key = e.tag.slice(e.tag.lastIndexOf('/') + 1);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups].map(([timestamp, group]) => ({ timestamp, entries: group }));
}

export async function rollBack(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<ApplyResult | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const target = await pickTarget(deployment, args, () => true, 'Roll back');
  if (!target) return undefined;
  let to = args?.to;
  if (!to) {
    try {
      const history = await ctx.session.request(HistoryRequest, {
        deployment: deployment.name,
        target: target.name,
        limit: 200,
      });
      const groups = groupByRollout(history.entries);
      if (groups.length < 2) {
        void vscode.window.showInformationMessage(
          `${deployment.name}/${target.name} has no earlier rollout to go back to.`,
        );
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        groups.slice(1).map((g) => ({
          label: g.timestamp,
          description: g.entries
            .map((e) => `${displayName(e.component)}@${shortSha(e.gitSha)}`)
            .join(' '),
          detail: `by ${g.entries[0].deployedBy}${g.entries[0].promotedFrom ? ` from ${g.entries[0].promotedFrom}` : ''} · ${g.entries[0].status}`,
          group: g,
        })),
        {
          title: `Roll back ${displayName(deployment.name)}/${displayName(target.name)} to`,
          placeHolder: 'Which rollout?',
        },
      );
      if (!picked) return undefined;
      to = picked.group.timestamp;
    } catch (err) {
      void showFailure(ctx, errorText(err));
      return undefined;
    }
  }
  // The server plans the rollback through the same checks as the rollback itself, so a record
  // that cannot be returned to is refused here, before the modal, and the modal shows the
  // subjects and the git identity as every other one does.
  let plan: RolloutPlan;
  try {
    const planned = await ctx.session.request(PlanRollbackRequest, {
      deployment: deployment.name,
      target: target.name,
      to,
    });
    if (!planned.plan) {
      void showFailure(ctx, planned.refusal ?? 'The rollback was refused.');
      return undefined;
    }
    plan = planned.plan;
  } catch (err) {
    void showFailure(ctx, errorText(err));
    return undefined;
  }
  const rollbackTo = to as string;
  const action = { kind: 'rollback', needsApproval: target.requiresApproval, rollbackTo } as const;
  if (!(await askApproval(plan, action))) {
    void vscode.window.showInformationMessage('Cancelled: nothing was written.');
    return undefined;
  }
  const title = `Rolling back ${displayName(deployment.name)}/${displayName(target.name)} to ${displayName(rollbackTo)}`;
  const { result, failure, cancelRequested } = await applyWithProgress(
    ctx,
    title,
    'Cancel stops it before anything is written',
    (deployId, token) =>
      ctx.session.request(
        RollbackRequest,
        {
          deployment: deployment.name,
          target: target.name,
          to: rollbackTo,
          approve: target.requiresApproval,
          ...(deployId ? { deployId } : {}),
        },
        token,
      ),
  );
  if (reportCancelled(ctx, title, failure, cancelRequested)) return undefined;
  report(ctx, title, result, { deployment: deployment.name, target: target.name }, failure);
  return result;
}
