/** `self-promotion`: a target lists itself as a source. */
import { displayName } from '../names';
import { sourcesOf } from '../model';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const selfPromotion: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  for (const t of deployment?.targets ?? []) {
    for (const ref of sourcesOf(t)) {
      if (ref.value !== t.name) continue;
      out.push(
        problem(
          'self-promotion',
          file.file,
          ref.range,
          `Target '${displayName(t.name)}' lists itself as a promotion source. Remove it: a target cannot promote from itself.`,
          {
            data: { target: t.name, source: ref.value },
          },
        ),
      );
    }
  }
  return out;
};
