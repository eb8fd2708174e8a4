/**
 * The confirmation and approval modals: each shows the exact plan (deployment, what moves where,
 * every component with its current and planned SHA, the subjects of those commits, who is
 * acting) and names its action on its button, so what the button says is what happens. The
 * confirming button returns true and lets the caller ask the server to write; anything else
 * returns false and nothing is written. Tests replace the prompt through the extension's API,
 * because a modal dialog cannot be answered from inside the extension host.
 */
import { displayName } from '../../server/src/core/display';
import * as vscode from 'vscode';
import type { RolloutPlan } from '../../server/src/protocol/requests';
import { COMMITS_AHEAD_LIMIT } from '../../server/src/rollout/types';
import { openReport } from './commands/reports';
import { shortSha } from './tree/promotionsTree';

export type ApprovalPrompt = (plan: RolloutPlan, text: ApprovalText) => Promise<boolean>;

export interface ApprovalText {
  message: string;
  detail: string;
  /** The confirming button, named after the action: `Roll Out`, `Approve and roll out to prod`. */
  button: string;
  /**
   * The modal gives an approval: its default button (the one Enter presses) is Review Plan,
   * which writes nothing, so Enter alone never approves; the approving button has to be chosen.
   */
  guarded: boolean;
}

/**
 * What the modal confirms. `rollout` puts a commit on an entry point, `promote` moves a source
 * target's SHAs, `approve` records an approval for a later rollout, `rollback` returns a target
 * to an earlier recorded rollout. `needsApproval` adds the approval to the action.
 */
export interface PlanAction {
  kind: 'rollout' | 'promote' | 'approve' | 'rollback';
  needsApproval?: boolean;
  /** The recorded rollout a rollback returns to (its timestamp). */
  rollbackTo?: string;
  /** False when no deploy command is configured, so only git records would be written. */
  deployStep?: boolean;
  /** The workspace is in Restricted Mode, where the deploy command setting is ignored. */
  restricted?: boolean;
}

/** `abc1234 "Fix the retry"`, or the short SHA alone when the subject is unknown. */
function commitText(plan: RolloutPlan, sha: string): string {
  const subject = plan.subjects?.[sha];
  return subject ? `${shortSha(sha)} "${subject}"` : shortSha(sha);
}

/** The verb phrase of the action on its button: `Roll Out`, `Approve and roll out to prod`. */
function buttonFor(plan: RolloutPlan, action: PlanAction): string {
  const target = displayName(plan.target);
  switch (action.kind) {
    case 'approve':
      return `Record approval for ${target}`;
    case 'rollback':
      return action.needsApproval ? `Approve and roll back ${target}` : 'Roll Back';
    default:
      if (action.needsApproval) return `Approve and roll out to ${target}`;
      return action.kind === 'rollout' ? 'Roll Out' : 'Promote';
  }
}

/**
 * The words of the modal, separate from showing it so tests can check exactly what users see.
 * A rollback names the recorded rollout it returns to: it has no source target, and without it
 * the modal called it a promotion of a plain commit.
 */
export function describePlan(plan: RolloutPlan, action: PlanAction): ApprovalText {
  const deployment = displayName(plan.deployment);
  const target = displayName(plan.target);
  const shas = [...new Set(plan.components.map((c) => c.sha))];
  // A commit rolled onto an entry point is named by its SHA and subject, not by the word
  // "commit", so the modal says which commit it is.
  const origin = plan.promotedFrom
    ? displayName(plan.promotedFrom)
    : shas.length === 1
      ? commitText(plan, shas[0])
      : `${shas.length} commits`;
  const route =
    action.rollbackTo !== undefined
      ? `${target} to the rollout of ${displayName(action.rollbackTo)}`
      : `${origin} → ${target}`;
  const question = {
    rollout: action.needsApproval ? 'Approve and roll out' : 'Roll out',
    promote: action.needsApproval ? 'Approve and promote' : 'Promote',
    approve: 'Record approval of',
    rollback: action.needsApproval ? 'Approve and roll back' : 'Roll back',
  }[action.kind];
  const kind = {
    rollout: 'Roll out',
    promote: 'Promotion',
    approve: 'Promotion',
    rollback: 'Rollback',
  }[action.kind];
  const lines = [`Deployment: ${deployment}`, `${kind}: ${route}`];
  // A rollback's plan is built in the client from the history, which names no actor; a plan
  // from the server without one means git does not know who you are.
  if (plan.actor) lines.push(`As: ${plan.actor}`);
  else if (action.kind !== 'rollback')
    lines.push('As: unknown (git has no user.name and user.email)');
  lines.push('', 'Components:');
  for (const c of plan.components) {
    lines.push(
      `  ${displayName(c.component)}: ${shortSha(c.currentSha) || '(none)'} → ${shortSha(c.sha)}`,
    );
  }
  // Each commit once with its subject, planned ones first, so a long subject is not repeated
  // for every component that runs it.
  const listed = [...shas, ...plan.components.flatMap((c) => (c.currentSha ? [c.currentSha] : []))];
  const commits = [...new Set(listed)].filter((s) => plan.subjects?.[s]);
  if (commits.length) {
    lines.push('', 'Commits:');
    for (const sha of commits) lines.push(`  ${shortSha(sha)} ${plan.subjects?.[sha]}`);
  }
  if (plan.commitsAhead === 0) {
    // None ahead while the SHAs change: the target runs newer commits and moves back.
    lines.push('', `No commits ahead: ${target} runs newer commits, so this moves it back.`);
  } else if (plan.commitsAhead !== undefined) {
    // The server stops counting at the limit, so a count there means "at least".
    const n = plan.commitsAhead;
    const count = n >= COMMITS_AHEAD_LIMIT ? `${COMMITS_AHEAD_LIMIT}+` : String(n);
    lines.push('', `${count} commit${n === 1 ? '' : 's'} ahead`);
  }
  if (plan.approvalProblem) lines.push('', `Existing approval not used: ${plan.approvalProblem}`);
  if (action.needsApproval)
    lines.push('', `${target} requires approval: yours is recorded as a git note first.`);
  if (action.kind !== 'approve') {
    if (action.restricted)
      lines.push(
        '',
        'Restricted Mode: the deploy command setting is ignored, so nothing is deployed.',
      );
    else if (action.deployStep === false)
      lines.push('', 'No deploy command is configured: only git records are written.');
    else if (action.deployStep)
      lines.push(
        '',
        'The deploy command runs for each component, in dependency waves, as a task in the terminal; the records are written after it.',
      );
  }
  const guarded = !!action.needsApproval || action.kind === 'approve';
  return {
    message: `${question} ${deployment}: ${route}?`,
    detail: lines.join('\n'),
    button: buttonFor(plan, action),
    guarded,
  };
}

/** The guarded modal's default button: it opens the plan to read and approves nothing. */
export const REVIEW_PLAN = 'Review Plan';

const modalPrompt: ApprovalPrompt = async (_plan, text) => {
  // VS Code's modal focuses its first button that is not the close affordance, wherever Cancel
  // is drawn, so Enter presses that one. An approval therefore puts Review Plan there (it opens
  // the plan as a document and writes nothing) and the approving button second; a plain
  // confirmation keeps its action first, with VS Code's own Cancel.
  const confirm: vscode.MessageItem = { title: text.button };
  const review: vscode.MessageItem = { title: REVIEW_PLAN };
  const cancel: vscode.MessageItem = { title: 'Cancel', isCloseAffordance: true };
  const items = text.guarded ? [review, confirm, cancel] : [confirm];
  const choice = await vscode.window.showWarningMessage(
    text.message,
    { modal: true, detail: text.detail },
    ...items,
  );
  if (choice === review) await openPlan(text);
  return choice === confirm;
};

/**
 * The plan as a read-only document, inside a code fence longer than any run of backticks in
 * it, so names from the repository are shown as typed and never read as Markdown.
 */
async function openPlan(text: ApprovalText): Promise<void> {
  const body = `${text.message}\n\n${text.detail}`;
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const doc = await openReport(`Plan: ${text.message}`, `${fence}text\n${body}\n${fence}\n`);
  await vscode.window.showTextDocument(doc, { preview: true });
}

let prompt: ApprovalPrompt = modalPrompt;

/** Replaces the modal (tests); `undefined` restores it. */
export function setApprovalPrompt(p: ApprovalPrompt | undefined): void {
  prompt = p ?? modalPrompt;
}

/**
 * True when the `deployCommand` setting names a command the server will run: never in
 * Restricted Mode, where the setting is ignored (it is a restricted configuration).
 */
export function deployStepConfigured(): boolean {
  const command = vscode.workspace
    .getConfiguration('atmosDeployments')
    .get<string>('deployCommand');
  return vscode.workspace.isTrusted && !!command?.trim();
}

export function askApproval(plan: RolloutPlan, action: PlanAction): Promise<boolean> {
  return prompt(
    plan,
    describePlan(plan, {
      deployStep: deployStepConfigured(),
      restricted: !vscode.workspace.isTrusted,
      ...action,
    }),
  );
}
