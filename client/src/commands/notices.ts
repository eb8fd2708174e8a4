/**
 * What the write commands tell the user afterwards: how a rollout went (with the history, and
 * the deploy command setting when only records were written), what a cancelled one left
 * untouched, and why one failed. Notifications cannot be read from the extension host, so each
 * is also kept in a list the in-host tests read.
 */
import * as vscode from 'vscode';
import type { ApplyResult, RolloutErrorData } from '../../../server/src/protocol/requests';
import { errorText } from '../log';
import { RequestFailed } from '../session';
import type { CommandContext } from './context';

/**
 * Says what a cancelled rollout left untouched. The server stops a rollout only before its first
 * write and then answers with `data.kind: 'cancelled'`; a rollout that had started writing
 * finishes, and its result is reported as usual (with a line in the log). True when handled.
 */
export function reportCancelled(
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

/** Result notifications shown, newest last, with their buttons (for the in-host tests). */
export const resultNotices: Array<{ message: string; actions: string[] }> = [];

/** The button that opens the deploy command setting, offered when only records were written. */
export const DEPLOY_SETTING_ACTION = 'Set Deploy Command';

/**
 * Tells the user how a rollout went. The tag names (one per component, each about 70 characters)
 * go to the log; the notification counts them and offers the history, where they are listed,
 * since a notification cuts long text off. When no deploy step ran, the server's message says
 * "(no deploy command configured)" once and the notification offers the setting that adds one.
 */
export function report(
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
    const actions = [
      ...(n ? [history] : []),
      ...(result.recordedOnly ? [DEPLOY_SETTING_ACTION] : []),
    ];
    // With a deploy step, the order it ran in (the server's waves), in one short line.
    const waves = result.waves?.length
      ? ` Deployed in ${result.waves.length} wave${result.waves.length === 1 ? '' : 's'}: ${result.waves.map((w) => w.join(', ')).join(' → ')}.`
      : '';
    const message = `${result.message}${tags}${waves}`;
    resultNotices.push({ message, actions });
    void vscode.window.showInformationMessage(message, ...actions).then((choice) => {
      if (choice === history)
        return vscode.commands.executeCommand('atmosDeployments.showHistory', where);
      if (choice === DEPLOY_SETTING_ACTION)
        return vscode.commands.executeCommand(
          'workbench.action.openSettings',
          'atmosDeployments.deployCommand',
        );
      return undefined;
    });
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
export async function showFailure(
  ctx: CommandContext,
  reason: string,
  err?: unknown,
): Promise<void> {
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
