/**
 * `unknown-dependency`: a component's `metadata.depends_on` entry names no component of this
 * deployment, so the rollout could not know what to deploy first (and refuses to run).
 */
import { nearestName } from '../distance';
import { dependencyGraph } from '../dependencies';
import { dependencyId } from '../model';
import { displayName } from '../names';
import { COMPONENT_TYPES } from '../parse';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

/** Suggestions compare with every component; past this many unknown entries, no guess. */
const MAX_SUGGESTIONS = 100;

export const unknownDependency: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  if (!deployment) return out;
  const ids = deployment.components.map(dependencyId);
  let suggestions = MAX_SUGGESTIONS;
  for (const { component, ref } of dependencyGraph(deployment).unknown) {
    // An entry without a type prefix is the common slip: say which prefixed name it means.
    const bare = ref.type ? undefined : deployment.components.find((c) => c.name === ref.value);
    const guess = bare
      ? dependencyId(bare)
      : suggestions-- > 0
        ? nearestName(ref.value, ids)
        : undefined;
    const form = ref.type
      ? ''
      : ` Entries are written <type>/<name>, where the type is one of ${COMPONENT_TYPES.join(', ')}.`;
    out.push(
      problem(
        'unknown-dependency',
        file.file,
        ref.range,
        `Component '${displayName(dependencyId(component))}' depends on '${displayName(ref.value)}', which is not a component of this deployment.${form}${guess ? ` Did you mean '${displayName(guess)}'?` : ''}`,
        {
          data: {
            component: dependencyId(component),
            dependency: ref.value,
            ...(guess ? { suggestion: guess } : {}),
          },
        },
      ),
    );
  }
  return out;
};
