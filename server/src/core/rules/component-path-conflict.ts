/**
 * `component-path-conflict`: two components whose refs would collide. `ecs` and `ecs/api`
 * cannot both exist under refs/atmos/deployments/<d>/<t>/ (one would be a file and a folder),
 * and one name under two component types would share a ref.
 */
import { displayName } from '../names';
import type { Component } from '../model';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const componentPathConflict: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  if (!deployment) return out;
  const byName = new Map<string, Component>();
  for (const c of deployment.components) {
    const same = byName.get(c.name);
    if (same) {
      out.push(
        problem(
          'component-path-conflict',
          file.file,
          c.keyRange,
          `Component '${displayName(c.name)}' is declared under both ${displayName(same.type)} and ${displayName(c.type)}; both would record to the same ref. Rename one.`,
          {
            related: [
              {
                file: file.file,
                range: same.keyRange,
                message: `${displayName(same.type)} component '${displayName(c.name)}'`,
              },
            ],
            data: { component: c.name },
          },
        ),
      );
      continue;
    }
    byName.set(c.name, c);
  }
  for (const c of byName.values()) {
    const parts = c.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const parent = byName.get(prefix);
      if (!parent) continue;
      out.push(
        problem(
          'component-path-conflict',
          file.file,
          c.keyRange,
          `Components '${displayName(prefix)}' and '${displayName(c.name)}' would collide: the ref for '${displayName(prefix)}' would also have to be the folder holding '${displayName(c.name)}'. Rename one of them.`,
          {
            related: [
              {
                file: file.file,
                range: parent.keyRange,
                message: `component '${displayName(prefix)}'`,
              },
            ],
            data: { component: c.name },
          },
        ),
      );
    }
  }
  return out;
};
