/**
 * Components that git cannot record beside what it has recorded already. Deployment refs are
 * `refs/atmos/deployments/<d>/<t>/<component>`, and a component may hold a `/`: so `ecs` and
 * `ecs/api` cannot both exist in one target (one ref would be a file and a folder). Renaming
 * a component from one to the other passes the file's own checks, yet every rollout to a target
 * that recorded the old name would fail. The editor and `validate` warn about it from the live
 * state, and the rollout refuses it naming the cause and `retire`, the way forward.
 */
import { displayName } from './names';

/** Target → the component names git has recorded there (its deployment refs). */
export type RecordedComponents = Map<string, string[]>;

export interface RecordedConflict {
  /** The component in the file. */
  component: string;
  /** The recorded component it collides with (no longer in the file). */
  recorded: string;
  /** The targets where the recorded one has a ref. */
  targets: string[];
}

/** True when one name is a path prefix of the other (`ecs` and `ecs/api`). */
function nested(a: string, b: string): boolean {
  return a !== b && (a.startsWith(`${b}/`) || b.startsWith(`${a}/`));
}

/**
 * The components of the file that collide with recorded components the file no longer has.
 * Recorded components the file still declares are its own business (`component-path-conflict`).
 */
export function recordedConflicts(
  components: string[],
  recorded: RecordedComponents,
): RecordedConflict[] {
  const declared = new Set(components);
  const out = new Map<string, RecordedConflict>();
  for (const [target, names] of recorded)
    for (const r of names) {
      if (declared.has(r)) continue;
      for (const c of components) {
        if (!nested(c, r)) continue;
        const key = `${c}\u0000${r}`;
        const seen = out.get(key) ?? { component: c, recorded: r, targets: [] };
        if (!seen.targets.includes(target)) seen.targets.push(target);
        out.set(key, seen);
      }
    }
  return [...out.values()].map((c) => ({ ...c, targets: [...c.targets].sort() }));
}

/** The sentence the warning and the rollout's refusal share. */
export function recordedConflictMessage(deployment: string, c: RecordedConflict): string {
  const where = c.targets.map(displayName).join(', ');
  return `Component '${displayName(c.component)}' cannot be recorded while git holds the recorded component '${displayName(c.recorded)}' in ${where} (refs/atmos/deployments/${displayName(deployment)}/<target>/${displayName(c.recorded)}): a ref cannot be both a file and a folder. Retire the old one (its tags stay as history): atmos-deployments retire ${displayName(deployment)} --component ${displayName(c.recorded)}`;
}
