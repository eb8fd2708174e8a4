/** `promotion-exclusive`: a target sets both `from` and `allowed_from` (spec rule 4). */
import { displayName } from '../names';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const promotionExclusive: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  for (const t of deployment?.targets ?? []) {
    const p = t.promotion;
    if (!p?.fromKeyRange || !p.allowedFrom) continue;
    out.push(
      problem(
        'promotion-exclusive',
        file.file,
        p.fromKeyRange,
        `Target '${displayName(t.name)}': cannot specify both 'from' and 'allowed_from'. Keep 'from' for a single source, or 'allowed_from' for several.`,
        {
          related: [
            {
              file: file.file,
              range: p.allowedFrom.keyRange,
              message: `'allowed_from' of target '${displayName(t.name)}'`,
            },
          ],
          data: { target: t.name },
        },
      ),
    );
  }
  return out;
};
