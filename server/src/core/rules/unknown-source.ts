/** `unknown-source`: `from`/`allowed_from` names a target this deployment does not have (spec rule 5). */
import { displayName } from '../names';
import { nearestName } from '../distance';
import { sourcesOf, targetNames } from '../model';
import { problem, type Problem } from '../problem';
import { deploymentLabel, knownTargetsText } from '../promotion';
import type { Rule } from './rule';

/**
 * A suggestion compares the unknown name with every target, so a hostile file with thousands
 * of unknown sources and thousands of targets would be quadratic; past this many, no guess.
 */
const MAX_SUGGESTIONS = 100;

export const unknownSource: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  if (!deployment) return out;
  const names = targetNames(deployment);
  const known = new Set(names);
  let suggestions = MAX_SUGGESTIONS;
  // Built on the first unknown source only: most files have none, and listing every target
  // for each file was a twentieth of the rules' time over a large workspace.
  let knownText: string | undefined;
  for (const t of deployment.targets) {
    for (const ref of sourcesOf(t)) {
      if (known.has(ref.value)) continue;
      const guess =
        suggestions-- > 0
          ? nearestName(
              ref.value,
              names.filter((n) => n !== t.name),
            )
          : undefined;
      const cross = ref.value.includes('/') ? ' Promotion across deployments is not allowed.' : '';
      out.push(
        problem(
          'unknown-source',
          file.file,
          ref.range,
          `Target '${displayName(t.name)}': promotion source '${displayName(ref.value)}' does not exist in deployment ${deploymentLabel(deployment)}.${cross}${guess ? ` Did you mean '${displayName(guess)}'?` : ''} ${(knownText ??= knownTargetsText(deployment))}`,
          {
            data: guess
              ? { target: t.name, source: ref.value, suggestion: guess }
              : { target: t.name, source: ref.value },
          },
        ),
      );
    }
  }
  return out;
};
