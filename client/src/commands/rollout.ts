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
import { RequestFailed } from '../session';
import { shortSha } from '../tree/promotionsTree';
import type { CommandContext } from './context';
import { pickDeployment, pickSource, pickTarget, type CommandArgs } from './pick';

/** Plans, asks, applies. Resolves to the server's result, or undefined when nothing was done. */
async function planAndApply(
  ctx: CommandContext,
  params: RolloutParams,
  title: string,
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
    void showFailure(ctx, errorText(err), err);
    return { ok: false, tags: [], message: errorText(err) };
  }
  if (plan.nothingToDo) {
    const message = `${plan.target} already runs these SHAs; nothing to do.`;
    void vscode.window.showInformationMessage(message);
    return { ok: true, tags: [], message };
  }
  // A target that requires approval gets the approval modal; others get the same plan as a
  // confirmation, so nobody promotes without seeing what moves.
  const needsApproval = plan.requiresApproval && !plan.approved;
  const yes = await askApproval(plan, needsApproval ? 'Approve deployment?' : 'Promote?');
  if (!yes) {
    ctx.log.info(`${title}: cancelled by the user; nothing was written`);
    void vscode.window.showInformationMessage('Cancelled: nothing was written.');
    return undefined;
  }
  let failure: unknown;
  let cancelRequested = false;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      progress.report({
        message: 'checking the records… (Cancel stops it before anything is written)',
      });
      token.onCancellationRequested(() => (cancelRequested = true));
      try {
        return await ctx.session.request(
          ApplyRolloutRequest,
          { ...params, approve: needsApproval },
          token,
        );
      } catch (err) {
        failure = err;
        return { ok: false, tags: [], message: errorText(err) } satisfies ApplyResult;
      }
    },
  );
  const where = { deployment: params.deployment, target: params.target };
  if (reportCancelled(ctx, title, failure, cancelRequested)) return undefined;
  report(ctx, title, result, where, failure);
  return result;
}

/**
 * Says what a cancelled rollout left untouched. The server stops a rollout only before its first
 * write and then answers with `data.kind: 'cancelled'`; a rollout that had started writing
 * finishes, and its result is reported as usual (with a line in the log). True when handled.
 */
function reportCancelled(
  ctx: CommandContext,
  title: string,
  failure: unknown,
  cancelRequested: boolean,
): boolean {
  const data = failure instanceof RequestFailed ? (failure.data as RolloutErrorData) : undefined;
  if (data?.kind === 'cancelled') {
    const message = errorText(failure);
    ctx.log.info(`${title}: ${message}`);
    void vscode.window.showInformationMessage(message);
    return true;
  }
  if (cancelRequested)
    ctx.log.info(
      `${title}: cancelled after the rollout had started writing records, so it was finished rather than left halfway.`,
    );
  return false;
}

/**
 * Tells the user how a rollout went. The tag names (one per component, each about 70 characters)
 * go to the log; the notification counts them and offers the history, where they are listed,
 * since a notification cuts long text off.
 */
function report(
  ctx: CommandContext,
  title: string,
  result: ApplyResult,
  where: { deployment: string; target: string },
  failure?: unknown,
): void {
  if (result.ok) {
    ctx.log.info(`${title}: ${result.message} ${result.tags.join(' ')}`);
    const n = result.tags.length;
    const tags = n ? ` ${n} tag${n === 1 ? '' : 's'} recorded.` : '';
    const history = 'Show History';
    void vscode.window
      .showInformationMessage(`${result.message}${tags}`, ...(n ? [history] : []))
      .then((choice) =>
        choice === history
          ? vscode.commands.executeCommand('atmosDeployments.showHistory', where)
          : undefined,
      );
  } else {
    void showFailure(ctx, result.message, failure);
  }
  ctx.refresh();
}

/** The deployment file whose uncommitted changes the server refused to follow, if that was it. */
export function uncommittedPolicyFile(err: unknown): vscode.Uri | undefined {
  if (!(err instanceof RequestFailed)) return undefined;
  const data = err.data as Partial<RolloutErrorData> | undefined;
  if (data?.reason !== 'uncommitted-policy' || typeof data.uri !== 'string') return undefined;
  try {
    return vscode.Uri.parse(data.uri, true);
  } catch {
    return undefined;
  }
}

/**
 * Failure notifications shown, newest last, with the buttons each offered: a notification
 * cannot be read from the extension host, so the in-host tests read what was shown here.
 */
export const failureNotices: Array<{ message: string; actions: string[]; file?: string }> = [];

/**
 * Opens the changes of a deployment file against HEAD: VS Code's git diff, or the file itself
 * where the git extension is off.
 */
export async function openChanges(file: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('git.openChange', file);
  } catch {
    await vscode.window.showTextDocument(file);
  }
}

/**
 * Shows why a command failed. When the rules were refused because the deployment file differs
 * from the committed one, the notification offers to open the file's changes, since committing
 * them is the fix.
 */
async function showFailure(ctx: CommandContext, reason: string, err?: unknown): Promise<void> {
  ctx.log.error(reason);
  const file = uncommittedPolicyFile(err);
  const openChangesAction = 'Open Changes';
  const actions = [...(file ? [openChangesAction] : []), 'Open Log'];
  const message = `Atmos Deployments: ${reason}`;
  failureNotices.push({ message, actions, file: file?.toString() });
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  if (choice === 'Open Log') ctx.log.show();
  if (choice === openChangesAction && file) await openChanges(file);
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
    const typed = await vscode.window.showInputBox({
      title: `Roll out to ${displayName(target.name)}`,
      prompt: 'Commit to roll out: a SHA, branch, tag or HEAD~n (empty for HEAD)',
      placeHolder: 'HEAD',
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
    if (!(await askApproval(res.plan, 'Record approval for'))) {
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
  let chosen: HistoryEntry[] = [];
  try {
    const history = await ctx.session.request(HistoryRequest, {
      deployment: deployment.name,
      target: target.name,
      limit: 200,
    });
    const groups = groupByRollout(history.entries);
    if (to) {
      chosen =
        groups.find((g) => g.timestamp === to || g.entries.some((e) => e.tag === to))?.entries ??
        [];
    } else {
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
      chosen = picked.group.entries;
    }
  } catch (err) {
    void showFailure(ctx, errorText(err));
    return undefined;
  }
  const plan: RolloutPlan = {
    deployment: deployment.name,
    target: target.name,
    components: chosen.map((e) => ({
      component: e.component,
      sha: e.gitSha,
      currentSha: target.components.find((c) => c.component === e.component)?.sha,
    })),
    requiresApproval: target.requiresApproval,
    approved: false,
    nothingToDo: false,
  };
  const rollbackTo = to as string;
  const action = target.requiresApproval ? 'Approve rollback?' : 'Roll back?';
  if (!(await askApproval(plan, action, rollbackTo))) {
    void vscode.window.showInformationMessage('Cancelled: nothing was written.');
    return undefined;
  }
  const title = `Rolling back ${displayName(deployment.name)}/${displayName(target.name)} to ${displayName(rollbackTo)}`;
  let failure: unknown;
  let cancelRequested = false;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      progress.report({ message: 'Cancel stops it before anything is written' });
      token.onCancellationRequested(() => (cancelRequested = true));
      try {
        return await ctx.session.request(
          RollbackRequest,
          {
            deployment: deployment.name,
            target: target.name,
            to: rollbackTo,
            approve: target.requiresApproval,
          },
          token,
        );
      } catch (err) {
        failure = err;
        return { ok: false, tags: [], message: errorText(err) } satisfies ApplyResult;
      }
    },
  );
  if (reportCancelled(ctx, title, failure, cancelRequested)) return undefined;
  report(ctx, title, result, { deployment: deployment.name, target: target.name }, failure);
  return result;
}
