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

export const dependencyCycle: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  if (!deployment) return out;
  for (const cycle of dependencyGraph(deployment).cycles) {
    const text = cycle.path.map(displayName).join(' → ');
    out.push(
      problem(
        'dependency-cycle',
        file.file,
        cycle.edge.ref.range,
        `Components depend on each other in a cycle: ${text}. No deploy order exists; remove one of these dependencies.`,
        {
          related: cycle.others.map((e) => ({
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
