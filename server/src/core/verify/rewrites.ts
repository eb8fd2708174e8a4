/**
 * The trail is append-only. The tool never deletes or moves a deployment tag and only ever
 * appends to the approval notes, so a push that deletes or moves a tag under
 * `refs/tags/atmos/deployments/`, or deletes or rewinds `refs/notes/atmos/<d>/approvals`,
 * would erase history that `verify` and the rollbacks rely on: the hook refuses it.
 * Deployment refs may move and the status index is rewritten by every rollout, so they are
 * judged by the other checks, not here.
 */
import { displayName } from '../names';
import { TAG_REF_ROOT } from './records';
import type { PushedRewrite, VerifyFinding } from './types';

const ZERO = /^0+$/;
const NOTES_ROOT = 'refs/notes/atmos/';

export function rewrittenHistory(rewrites: PushedRewrite[] | undefined): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  for (const r of rewrites ?? []) {
    if (ZERO.test(r.oldSha)) continue;
    const deleted = ZERO.test(r.newSha);
    const name = displayName(r.ref);
    if (r.ref.startsWith(TAG_REF_ROOT))
      out.push({
        code: 'record-rewritten',
        ref: r.ref,
        message: deleted
          ? `This push deletes the deployment record ${name}; records are never deleted, so the trail keeps what happened.`
          : `This push moves the deployment record ${name} to another object; records are never rewritten, so the trail keeps what happened.`,
      });
    else if (r.ref.startsWith(NOTES_ROOT) && (deleted || r.fastForward === false))
      out.push({
        code: 'record-rewritten',
        ref: r.ref,
        message: deleted
          ? `This push deletes the approval notes ${name}; approvals are only ever appended.`
          : `This push rewinds the approval notes ${name} to a history without the approvals already recorded; approvals are only ever appended.`,
      });
  }
  return out;
}
