/**
 * Connects the language server to the git records of a workspace. This is the one file that
 * knows the rollout service exists; everything else sees only LiveState and RolloutBackend.
 */
import type { Settings } from '../protocol/requests';
import type { DeploymentDocuments } from './documents';
import type { LiveState } from './live-state';
import type { RolloutBackend } from './rollout-backend';

export interface GitBackends {
  live: LiveState;
  rollout: RolloutBackend;
}

/**
 * The live state and rollout backends for the repository at `root`, or undefined while there
 * is no rollout service to build them on (the callers then keep their empty stand-ins).
 */
export function createGitBackends(
  _root: string,
  _docs: DeploymentDocuments,
  _settings: () => Settings,
  _log: (message: string) => void,
): GitBackends | undefined {
  return undefined;
}
