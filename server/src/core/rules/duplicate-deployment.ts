/** `duplicate-deployment`: two files declare the same `deployment.name` (workspace-wide). */
import { displayName } from '../names';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const duplicateDeployment: Rule = ({ file, deployment, workspace }) => {
  const out: Problem[] = [];
  const name = deployment?.name;
  if (!name || !workspace) return out;
  const others = workspace
    .filesFor(name.value)
    .filter((f) => f.file !== file.file && f.deployment?.name);
  if (others.length === 0) return out;
  out.push(
    problem(
      'duplicate-deployment',
      file.file,
      name.range,
      `Deployment '${displayName(name.value)}' is also declared in ${others.map((o) => displayName(o.file)).join(', ')}. Deployment names must be unique: rename one of them.`,
      {
        related: others.map((o) => ({
          file: o.file,
          range: o.deployment!.name!.range,
          message: `also declares '${displayName(name.value)}'`,
        })),
        data: { deployment: name.value },
      },
    ),
  );
  return out;
};
