/**
 * `approver-no-key` (warning): a review approver has no key in `.atmos/allowed_signers`, so
 * git cannot verify their signature and their approvals will not count. A warning, not an
 * error: adding the key is a separate commit, often by someone else. Checked only when the
 * caller passed the file's principals (the CLI and the language server read it from disk).
 */
import { ALLOWED_SIGNERS_PATH, hasSigningKey } from '../allowed-signers';
import { displayName } from '../display';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const approverNoKey: Rule = ({ file, deployment, allowedSigners }) => {
  const out: Problem[] = [];
  if (!allowedSigners) return out;
  for (const t of deployment?.targets ?? []) {
    const p = t.promotion;
    if (!p || p.approvalMethod !== 'review') continue;
    for (const a of p.approvers?.items ?? []) {
      if (hasSigningKey(allowedSigners, a.value)) continue;
      const why = allowedSigners.found
        ? `has no key in ${ALLOWED_SIGNERS_PATH}`
        : `has no key: the repository has no ${ALLOWED_SIGNERS_PATH}`;
      out.push(
        problem(
          'approver-no-key',
          file.file,
          a.range,
          `Target '${displayName(t.name)}': approver '${displayName(a.value)}' ${why}, so git cannot verify their signed approvals and none of them will count. Add a line '${displayName(a.value)} <keytype> <public key>' to ${ALLOWED_SIGNERS_PATH} and commit it.`,
          { data: { target: t.name, approver: a.value } },
        ),
      );
    }
  }
  return out;
};
