/**
 * `recorded-component-conflict`: a component of the file that git cannot record beside a
 * component recorded before and no longer in the file (`ecs` renamed to `ecs/api`). Checked
 * only when the caller read the live state (the editor, `validate` in a repository).
 */
import { recordedConflictMessage, recordedConflicts } from '../recorded-conflicts';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const recordedComponentConflict: Rule = ({ file, deployment, recorded }) => {
  const out: Problem[] = [];
  const name = deployment?.name?.value;
  if (!deployment || !recorded || !name) return out;
  const conflicts = recordedConflicts(
    deployment.components.map((c) => c.name),
    recorded,
  );
  for (const c of conflicts) {
    const node = deployment.components.find((x) => x.name === c.component);
    if (!node) continue;
    out.push(
      problem(
        'recorded-component-conflict',
        file.file,
        node.keyRange,
        recordedConflictMessage(name, c),
        {
          data: { component: c.component, recorded: c.recorded, targets: c.targets },
        },
      ),
    );
  }
  return out;
};
