/** `empty-allowed-from`: `allowed_from: []` would make a target nothing can reach. */
import { displayName } from '../names';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const emptyAllowedFrom: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  for (const t of deployment?.targets ?? []) {
    const a = t.promotion?.allowedFrom;
    if (!a || !a.isList || a.entries > 0) continue;
    out.push(
      problem(
        'empty-allowed-from',
        file.file,
        a.range,
        `Target '${displayName(t.name)}': 'allowed_from' is empty, so nothing could ever be promoted to it. List at least one source target, or remove 'promotion' to make it an entry point.`,
        { data: { target: t.name } },
      ),
    );
  }
  return out;
};
