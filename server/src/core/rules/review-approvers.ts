/**
 * `review-approvers` (error): a target with `approval_method: review` must name who approves,
 * and cannot ask for more approvals than it has approvers. Either mistake makes the target
 * impossible to roll out, which the author should learn while typing, not at release time.
 */
import { requiredApprovals } from '../model';
import { displayName } from '../display';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const reviewApprovers: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  for (const t of deployment?.targets ?? []) {
    const p = t.promotion;
    if (!p || p.approvalMethod !== 'review') continue;
    const names = new Set(p.approvers?.items.map((a) => a.value) ?? []);
    if (names.size === 0) {
      out.push(
        problem(
          'review-approvers',
          file.file,
          p.approvers?.range ?? p.approvalMethodRange ?? p.keyRange,
          `Target '${displayName(t.name)}': 'approval_method: review' needs 'approvers', the e-mail identities whose signed approval counts (for example [alice@example.com]); without them nobody can approve a promotion here.`,
          { data: { target: t.name } },
        ),
      );
      continue;
    }
    const min = requiredApprovals(p);
    if (min > names.size)
      out.push(
        problem(
          'review-approvers',
          file.file,
          p.minApprovals?.range ?? p.keyRange,
          `Target '${displayName(t.name)}': 'min_approvals: ${min}' asks for more approvals than there are approvers (${names.size}), so no promotion here could ever be approved. Lower it or list more approvers.`,
          { data: { target: t.name } },
        ),
      );
  }
  return out;
};
