/**
 * `dependency-cycle`: components' `metadata.depends_on` entries form a cycle, so no deploy
 * order exists. One problem per entry on a cycle, naming a whole cycle through it, with the
 * cycle's other entries as related locations (as `promotion-cycle` does for targets).
 */
import { dependencyGraph } from '../dependencies';
import { dependencyId } from '../model';
import { displayName } from '../names';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

/** Cycles up to this many entries are named in full with every other entry related. */
const MAX_SHOWN = 12;

export const dependencyCycle: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  if (!deployment) return out;
  for (const cycle of dependencyGraph(deployment).cycles) {
    // A cycle through thousands of components would make every problem list all of them, so a
    // long one is named from this entry on, shortened in the middle, with the next few related.
    const n = cycle.path.length - 1;
    const p = cycle.path;
    const text =
      n > MAX_SHOWN
        ? `${[p[0], p[1], p[2], '…', p[n - 1], p[n]].map((x) => (x === '…' ? x : displayName(x))).join(' → ')} (${n} components)`
        : p.map(displayName).join(' → ');
    const others = cycle.others.slice(0, MAX_SHOWN - 1);
    out.push(
      problem(
        'dependency-cycle',
        file.file,
        cycle.edge.ref.range,
        `Components depend on each other in a cycle: ${text}. No deploy order exists; remove one of these dependencies.`,
        {
          related: others.map((e) => ({
            file: file.file,
            range: e.ref.range,
            message: `${displayName(dependencyId(e.from))} depends on ${displayName(dependencyId(e.to))}`,
          })),
          data: { component: dependencyId(cycle.edge.from), dependency: cycle.edge.ref.value },
        },
      ),
    );
  }
  return out;
};
