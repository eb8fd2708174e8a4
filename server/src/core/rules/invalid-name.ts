/** `invalid-name`: a deployment, target or component name that cannot be one segment of a git ref. */
import { invalidNameMessage, nameProblem, type NameKind } from '../names';
import { problem, type Problem } from '../problem';
import type { SourceRange } from '../model';
import type { Rule } from './rule';

export const invalidName: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  if (!deployment) return out;
  const check = (kind: NameKind, name: string, range: SourceRange) => {
    const why = nameProblem(kind, name);
    if (why)
      out.push(
        problem('invalid-name', file.file, range, invalidNameMessage(kind, name, why), {
          data: { kind, name },
        }),
      );
  };
  if (deployment.name) check('deployment', deployment.name.value, deployment.name.range);
  for (const t of deployment.targets) check('target', t.name, t.keyRange);
  for (const c of deployment.components) check('component', c.name, c.keyRange);
  return out;
};
