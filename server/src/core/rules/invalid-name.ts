/**
 * `invalid-name`: a deployment, target or component name that cannot be one segment of a git
 * ref, or that differs from another name of the same deployment only by case.
 */
import { displayName, invalidNameMessage, nameProblem, type NameKind } from '../names';
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

  // Refs are files under .git/refs until they are packed, and the file systems of macOS and
  // Windows ignore case: `Prod` and `prod` would write one ref file, so one target's record
  // would silently become the other's. Components share one namespace under a target whatever
  // their type, so they are compared across types; one name in two types is the same
  // component (not a case clash), and two targets of one name are `duplicate-key`.
  const caseClash = (kind: NameKind, names: Array<{ name: string; keyRange: SourceRange }>) => {
    const first = new Map<string, { name: string; keyRange: SourceRange }>();
    for (const n of names) {
      const folded = n.name.toLowerCase();
      const seen = first.get(folded);
      if (!seen) {
        first.set(folded, n);
        continue;
      }
      if (seen.name === n.name) continue;
      const a = displayName(seen.name);
      const b = displayName(n.name);
      out.push(
        problem(
          'invalid-name',
          file.file,
          n.keyRange,
          `Invalid ${kind} name '${b}': it differs from ${kind} '${a}' only by case, and '${a}' and '${b}' are one ref file on macOS and Windows. Rename one of them.`,
          {
            data: { kind, name: n.name, other: seen.name },
            related: [
              {
                file: file.file,
                range: seen.keyRange,
                message: `${kind} '${a}' is declared here`,
              },
            ],
          },
        ),
      );
    }
  };
  caseClash('target', deployment.targets);
  caseClash('component', deployment.components);
  return out;
};
