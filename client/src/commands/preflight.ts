/**
 * Checks made before Roll Out asks for anything: that the folder is in git, that the repository
 * has a commit, and that the rules allow a rollout at all. Asking for a commit first and only
 * then saying there is no repository wasted the user's typing; and the server's own words for
 * these cases name the CLI's flags (`pass --git-sha <commit>`), so they are said here in the
 * editor's words, with the step that fixes them.
 */
import * as vscode from 'vscode';
import {
  PlanRolloutRequest,
  type RolloutErrorData,
  type RolloutPlan,
} from '../../../server/src/protocol/requests';
import { errorText } from '../log';
import { RequestFailed } from '../session';
import type { CommandContext } from './context';
import { failureNotices, showFailure } from './notices';

/** A notice in the editor's words, with the command its button runs. */
export interface EditorNotice {
  message: string;
  action: string;
  command: string;
}

export const NO_GIT_NOTICE: EditorNotice = {
  message:
    'Atmos Deployments: this folder is not in a git repository, and rollouts are recorded in git. Initialize a repository and commit your deployment file, then roll out.',
  action: 'Initialize Repository',
  command: 'git.init',
};

export const NO_COMMITS_NOTICE: EditorNotice = {
  message:
    'Atmos Deployments: this repository has no commits yet, so there is nothing to roll out. Commit your deployment file in Source Control, then roll out.',
  action: 'Open Source Control',
  command: 'workbench.view.scm',
};

/**
 * The editor's words for a failure of the git checks, or undefined when it is another failure
 * (shown as the server says it). A server with no git backend answers without a `kind`.
 */
export function gitNotice(reason: string | undefined, message: string): EditorNotice | undefined {
  if (reason === 'no-commits') return NO_COMMITS_NOTICE;
  if (reason === 'not-a-repo' || /^Git records are not available/.test(message))
    return NO_GIT_NOTICE;
  return undefined;
}

/** Shows a notice in the editor's words and records it for the in-host tests. */
export async function showNotice(notice: EditorNotice): Promise<void> {
  failureNotices.push({ message: notice.message, actions: [notice.action] });
  const choice = await vscode.window.showWarningMessage(notice.message, notice.action);
  if (choice === notice.action) await vscode.commands.executeCommand(notice.command);
}

/**
 * Plans a rollout of HEAD to the entry point before asking which commit, so every reason it
 * cannot happen is said first. Resolves to that plan (its SHA and subject show in the commit
 * box), or undefined after telling the user why not.
 */
export async function checkRollOut(
  ctx: CommandContext,
  deployment: string,
  target: string,
): Promise<RolloutPlan | undefined> {
  try {
    const res = await ctx.session.request(PlanRolloutRequest, { deployment, target });
    if (res.plan) return res.plan;
    void showFailure(ctx, res.refusal ?? 'the server returned no plan');
    return undefined;
  } catch (err) {
    const data = err instanceof RequestFailed ? (err.data as RolloutErrorData) : undefined;
    const notice = gitNotice(data?.reason, errorText(err));
    ctx.log.error(`Roll Out: ${errorText(err)}`);
    if (notice) void showNotice(notice);
    else void showFailure(ctx, errorText(err), err);
    return undefined;
  }
}
