/**
 * The sentence a rollout ends with, in the CLI and the editor: what was recorded, what was
 * deployed, and by name which components failed or were stopped.
 */
import { parseTagName } from '../core';
import { describeComponents } from './plan-text';
import type { RecordedComponent, RolloutPlan } from './types';

export function appliedMessage(r: {
  name: string;
  plan: RolloutPlan;
  recorded: RecordedComponent[];
  isRollback: boolean;
  /** No deploy step ran: only git records were written. */
  recordedOnly: boolean;
  /** The tags of the rollout a rollback returns to. */
  restoredTags: string[];
}): string {
  const { name, plan, recorded, isRollback, recordedOnly } = r;
  const failed = recorded.filter((c) => c.status === 'failed');
  const moved = recorded.length - failed.length;
  // Which ones ran is said by name: after an interruption, that is what the user must know.
  const ran = recorded.filter((c) => c.status !== 'failed').map((c) => c.component);
  const verb = isRollback ? 'Rolled back' : 'Rolled out';
  // A rollback names the rollout it returns to (its tags' timestamp), not the source of that
  // rollout, which read as if the target had been promoted again.
  const restored = r.restoredTags.map((t) => parseTagName(t)?.timestamp).find((t) => t);
  // Without a deploy step only git records were written; saying "Rolled out" then read as if
  // something had been deployed, so the message says what happened and why.
  const from = plan.promotedFrom ? ` from ${plan.promotedFrom}` : '';
  const back = `${name} on ${plan.target} to the rollout of ${restored ?? 'an earlier rollout'}`;
  const done = recordedOnly
    ? isRollback
      ? `Recorded the rollback of ${back}`
      : `Recorded the rollout of ${name} to ${plan.target}${from}`
    : isRollback
      ? `Rolled back ${back}`
      : `Rolled out ${name} to ${plan.target}${from}`;
  return failed.length
    ? `${verb} ${moved} of ${recorded.length} components of ${name} to ${plan.target}${ran.length ? ` (${ran.join(', ')})` : ''}; failed: ${failed.map((f) => `${f.component} (${f.reason ?? 'the deploy step failed'})`).join(', ')}. Recorded with status failed; their refs did not move.`
    : `${done}: ${describeComponents(plan)}${recordedOnly ? ' (no deploy command configured)' : ''}.`;
}
