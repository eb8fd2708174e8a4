/**
 * `promotion-cycle`: the sources form a cycle (spec rule 6). One problem per edge of each
 * cycle, each naming the whole cycle, with the other edges as related locations.
 *
 * A cycle through thousands of targets would make that quadratic (every problem listing every
 * other edge and the whole path), so long cycles list only the edges that follow this one
 * and name the cycle from this edge on, shortened in the middle.
 */
import { displayName } from '../names';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

/** Cycles up to this many edges are named in full with every other edge related. */
const MAX_SHOWN = 12;

export const promotionCycle: Rule = ({ file, graph }) => {
  const out: Problem[] = [];
  for (const cycle of graph?.cycles ?? []) {
    const n = cycle.edges.length;
    const long = n > MAX_SHOWN;
    /** The cycle's names as messages show them. */
    const shown = cycle.path.map(displayName);
    const whole = shown.join(' → ');
    cycle.edges.forEach((edge, i) => {
      const closing = i === n - 1;
      const text = long
        ? `${[0, 1, 2].map((k) => shown[(i + k) % n]).join(' → ')} → … → ${shown[(i + n - 1) % n]} → ${shown[i]} (${n} targets)`
        : whole;
      const others = long
        ? Array.from({ length: MAX_SHOWN - 1 }, (_, k) => cycle.edges[(i + k + 1) % n])
        : cycle.edges.filter((e) => e !== edge);
      out.push(
        problem(
          'promotion-cycle',
          file.file,
          edge.ref.range,
          `Circular promotion path detected: ${text}. Remove one of these sources to break the cycle.`,
          {
            related: others.map((e) => ({
              file: file.file,
              range: e.ref.range,
              message: `${displayName(e.from)} → ${displayName(e.to)}`,
            })),
            data: {
              target: edge.to,
              source: edge.from,
              // Sent to the editor with every problem, so only when it is short.
              ...(long ? {} : { cycle: cycle.path }),
              closing: closing ? 'true' : 'false',
            },
          },
        ),
      );
    });
  }
  return out;
};
