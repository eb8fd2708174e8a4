/**
 * The approval prompt: a modal that shows the exact plan (deployment, source → target, every
 * component with its current and planned SHA, commits ahead) and asks for Approve or Cancel.
 * Approve lets the caller ask the server to record the approval note and continue; Cancel
 * returns false and nothing is written. Tests replace the prompt through the extension's API,
 * because a modal dialog cannot be answered from inside the extension host.
 */
import { displayName } from '../../server/src/core/display';
import * as vscode from 'vscode';
import type { RolloutPlan } from '../../server/src/protocol/requests';
import { COMMITS_AHEAD_LIMIT } from '../../server/src/rollout/types';
import { shortSha } from './tree/promotionsTree';

export type ApprovalPrompt = (plan: RolloutPlan, text: ApprovalText) => Promise<boolean>;

export interface ApprovalText {
  message: string;
  detail: string;
  /** The confirming button: Approve where approval is required, else the action's verb. */
  button: string;
}

/**
 * The words of the modal, separate from showing it so tests can check exactly what users see.
 * `rollbackTo` names the recorded rollout a rollback returns to: a rollback has no source target,
 * and without it the modal called it a promotion of a plain commit.
 */
export function describePlan(
  plan: RolloutPlan,
  action = 'Approve deployment?',
  rollbackTo?: string,
): ApprovalText {
  const route =
    rollbackTo !== undefined
      ? `${displayName(plan.target)} to the rollout of ${displayName(rollbackTo)}`
      : plan.promotedFrom
        ? `${displayName(plan.promotedFrom)} → ${displayName(plan.target)}`
        : `commit → ${displayName(plan.target)}`;
  const kind = rollbackTo !== undefined ? 'Rollback' : 'Promotion';
  const lines = [
    `Deployment: ${displayName(plan.deployment)}`,
    `${kind}: ${route}`,
    '',
    'Components:',
  ];
  for (const c of plan.components) {
    lines.push(
      `  ${displayName(c.component)}: ${shortSha(c.currentSha) || '(none)'} → ${shortSha(c.sha)}`,
    );
  }
  if (plan.commitsAhead !== undefined) {
    // The server stops counting at the limit, so a count there means "at least".
    const n = plan.commitsAhead;
    const count = n >= COMMITS_AHEAD_LIMIT ? `${COMMITS_AHEAD_LIMIT}+` : String(n);
    lines.push('', `${count} commit${n === 1 ? '' : 's'} ahead`);
  }
  if (plan.approvalProblem) lines.push('', `Existing approval not used: ${plan.approvalProblem}`);
  const button = /approv/i.test(action) ? 'Approve' : action.replace(/\?$/, '');
  return {
    message: `${action} ${displayName(plan.deployment)}: ${route}`,
    detail: lines.join('\n'),
    button,
  };
}

const modalPrompt: ApprovalPrompt = async (_plan, text) => {
  const choice = await vscode.window.showWarningMessage(
    text.message,
    { modal: true, detail: text.detail },
    text.button,
  );
  return choice === text.button;
};

let prompt: ApprovalPrompt = modalPrompt;

/** Replaces the modal (tests); `undefined` restores it. */
export function setApprovalPrompt(p: ApprovalPrompt | undefined): void {
  prompt = p ?? modalPrompt;
}

export function askApproval(
  plan: RolloutPlan,
  action?: string,
  rollbackTo?: string,
): Promise<boolean> {
  return prompt(plan, describePlan(plan, action, rollbackTo));
}
