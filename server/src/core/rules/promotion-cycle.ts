/**
 * `promotion-cycle`: the sources form a cycle (spec rule 6). One problem per edge of each
 * cycle, each naming the whole cycle, with the other edges as related locations.
 */
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const promotionCycle: Rule = ({ file, graph }) => {
  const out: Problem[] = [];
  for (const cycle of graph?.cycles ?? []) {
    const text = cycle.path.join(' → ');
    cycle.edges.forEach((edge, i) => {
      const closing = i === cycle.edges.length - 1;
      out.push(
        problem(
          'promotion-cycle',
          file.file,
          edge.ref.range,
          `Circular promotion path detected: ${text}. Remove one of these sources to break the cycle.`,
          {
            related: cycle.edges
              .filter((e) => e !== edge)
              .map((e) => ({
                file: file.file,
                range: e.ref.range,
                message: `${e.from} → ${e.to}`,
              })),
            data: {
              target: edge.to,
              source: edge.from,
              cycle: cycle.path,
              closing: closing ? 'true' : 'false',
            },
          },
        ),
      );
    });
  }
  return out;
};
