/**
 * The gate between user input and git: every deployment, target and component name, and every
 * remote name, is checked here before it can become part of a ref or an argument.
 */
import { invalidNameMessage, nameProblem, type Deployment, type NameKind } from '../core';
import { RolloutError } from './errors';

export function deploymentName(deployment: Deployment): string {
  const name = deployment.name?.value;
  if (!name)
    throw new RolloutError('usage', 'The deployment has no name; set `deployment.name` first.');
  return name;
}

export function checkName(kind: NameKind, name: string): void {
  const why = nameProblem(kind, name);
  if (why) throw new RolloutError('usage', invalidNameMessage(kind, name, why));
}

export function checkNames(names: {
  deployment?: string;
  targets?: Array<string | undefined>;
  components?: string[];
}): void {
  if (names.deployment !== undefined) checkName('deployment', names.deployment);
  for (const t of names.targets ?? []) if (t !== undefined) checkName('target', t);
  for (const c of names.components ?? []) checkName('component', c);
}

/** Remote names are git config keys: letters, digits and `._-`, not starting with `-`. */
export function checkRemoteName(remote: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(remote) || remote.includes('..'))
    throw new RolloutError(
      'usage',
      `Invalid remote name '${JSON.stringify(remote).slice(1, -1)}': use the name of a configured git remote, such as origin.`,
    );
}
