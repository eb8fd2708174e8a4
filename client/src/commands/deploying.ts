/**
 * Sends a rollout or rollback to the server under a cancellable progress notification, and,
 * when a deploy command is configured in a trusted workspace, with its deploy step shown as a
 * task in the terminal. Cancel (or Ctrl+C in that terminal) cancels the request: before the
 * first write nothing is written; once the deploy steps run, the server stops them and records
 * what finished and the stopped ones as failed, and its result says which ran.
 */
import * as vscode from 'vscode';
import type { ApplyResult } from '../../../server/src/protocol/requests';
import { deployStepConfigured } from '../approval';
import { startDeployTask, type DeployTask } from '../deploy-task';
import { errorText } from '../log';
import type { CommandContext } from './context';

export interface Applied {
  result: ApplyResult;
  /** The request's error, when it failed. */
  failure?: unknown;
  /** The user pressed Cancel (or Ctrl+C in the deploy terminal). */
  cancelRequested: boolean;
}

/**
 * Runs `send` with the deploy terminal's id (undefined without a deploy step) and a token
 * that Cancel cancels. `waiting` is the progress message until the first wave starts.
 */
export async function applyWithProgress(
  ctx: CommandContext,
  title: string,
  waiting: string,
  send: (deployId: string | undefined, token: vscode.CancellationToken) => Promise<ApplyResult>,
): Promise<Applied> {
  let task: DeployTask | undefined;
  if (deployStepConfigured()) {
    try {
      task = await startDeployTask(title, ctx.session.onDeployOutput);
    } catch (err) {
      // VS Code refused the task (its own task trust): the deploy step must not run unseen.
      const message = `The deploy step could not start as a task, so nothing was run or written: ${errorText(err)}`;
      return { result: { ok: false, tags: [], message }, cancelRequested: false };
    }
  }
  const cancel = new vscode.CancellationTokenSource();
  let cancelRequested = false;
  let failure: unknown;
  const stop = () => {
    cancelRequested = true;
    cancel.cancel();
  };
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      progress.report({ message: waiting });
      const listening = [token.onCancellationRequested(stop), ...(task ? [task.onStop(stop)] : [])];
      if (task)
        listening.push(
          task.onWave((line) => {
            ctx.log.info(`${title}: ${line}`);
            progress.report({
              message: `${line} (Cancel stops the running components; what finished is recorded)`,
            });
          }),
        );
      try {
        return await send(task?.deployId, cancel.token);
      } catch (err) {
        failure = err;
        return { ok: false, tags: [], message: errorText(err) } satisfies ApplyResult;
      } finally {
        for (const l of listening) l.dispose();
      }
    },
  );
  cancel.dispose();
  if (task) {
    task.finish(result.message, result.ok);
    task.dispose();
  }
  if (result.waves?.length)
    ctx.log.info(`${title}: waves ${result.waves.map((w) => w.join(', ')).join(' → ')}`);
  return { result, failure, cancelRequested };
}
