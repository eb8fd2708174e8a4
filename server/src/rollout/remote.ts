/**
 * The shared remote (design section 5): every command given `--remote` fetches a deployment's
 * records first, and writes push them back in one atomic push with a lease per ref.
 */
import { claimRefPrefix, requestRefPrefix, statusIndexPrefix } from '../core';
import { GitStoreError, type GitStore, type RefUpdate } from '../git';
import { LostRace, RolloutError } from './errors';
import { checkNames, checkRemoteName } from './names';
import { gitCall, tagPrefix } from './snapshot';

/** The refspecs that bring a deployment's records from a remote, forced: the remote wins. */
export function remoteRefspecs(deployment: string): string[] {
  return [
    `+refs/atmos/deployments/${deployment}/*:refs/atmos/deployments/${deployment}/*`,
    `+${statusIndexPrefix(deployment)}*:${statusIndexPrefix(deployment)}*`,
    notesRefspec(deployment),
    `+${tagPrefix(deployment)}*:${tagPrefix(deployment)}*`,
    `+${requestRefPrefix(deployment)}*:${requestRefPrefix(deployment)}*`,
    `+${claimRefPrefix(deployment)}*:${claimRefPrefix(deployment)}*`,
  ];
}

/** The refspec of a deployment's approval notes alone, forced: the remote wins. */
export function notesRefspec(deployment: string): string {
  return `+refs/notes/atmos/${deployment}/*:refs/notes/atmos/${deployment}/*`;
}

/**
 * Brings one deployment's records (refs, status index, tags, approval notes, approval requests)
 * from a remote,
 * which wins outright. Every command given `--remote` does this first, reads included, so a
 * status or history in CI shows what the team recorded, not what this clone last saw.
 */
export async function fetchRecords(
  store: GitStore,
  deployment: string,
  remote: string,
): Promise<void> {
  checkNames({ deployment });
  checkRemoteName(remote);
  await gitCall(() => store.fetch(remote, remoteRefspecs(deployment)));
}

/**
 * Pushes in one atomic push. When the remote refuses (someone else promoted first), the local
 * refs of this rollout are put back to what they were, so the clone agrees with the remote.
 */
export async function pushOrRestore(
  store: GitStore,
  remote: string,
  updates: RefUpdate[],
): Promise<void> {
  try {
    await store.push(remote, updates);
  } catch (err) {
    if (!(err instanceof GitStoreError)) throw err;
    const inverse: RefUpdate[] = updates.map((u) => ({
      ref: u.ref,
      newSha: u.oldSha,
      oldSha: u.newSha,
    }));
    try {
      await store.updateRefs(inverse);
    } catch (restoreErr) {
      throw new RolloutError(
        'conflict',
        `${err.message} Putting the local records back failed too: ${(restoreErr as Error).message}`,
        err.detail,
      );
    }
    // A lost race is a conflict (run it again); the server's own refusal is `refused`.
    if (err.kind === 'push-rejected') throw new LostRace(err.message, err.detail);
    throw new RolloutError(
      err.kind === 'push-refused' ? 'refused' : 'usage',
      err.message,
      err.detail,
    );
  }
}

/**
 * Brings every deployment's approval requests from a remote (`approvals` without a
 * deployment: which deployments have requests is only known after this).
 */
export async function fetchAllRequests(store: GitStore, remote: string): Promise<void> {
  checkRemoteName(remote);
  const all = requestRefPrefix();
  await gitCall(() => store.fetch(remote, [`+${all}*:${all}*`]));
}
