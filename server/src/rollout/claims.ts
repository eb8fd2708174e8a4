/**
 * Claiming a target before its deploy steps run (see core/claims.ts): take the claim ref by
 * compare-and-swap (pushed with a lease when there is a remote), refuse when someone else holds
 * it, take over an expired one, and clear one on request (`release-claim`).
 */
import { hostname } from 'node:os';
import {
  claimHeldMessage,
  claimRef,
  claimState,
  DEFAULT_CLAIM_MS,
  displayName,
  formatClaimMessage,
  isoSeconds,
  parseClaimMessage,
  type DeployClaim,
} from '../core';
import type { GitStore, Identity } from '../git';
import { RolloutError } from './errors';
import { pushOrRestore } from './remote';
import { gitCall } from './snapshot';

/** A claim this rollout holds: the ref and the tip its release must find. */
export interface HeldClaim {
  ref: string;
  tip: string;
}

/**
 * True when the claim's holder ran on this machine and its process no longer exists (a rollout
 * killed here): its claim is taken over at once instead of blocking the target until it
 * expires. A holder on another machine cannot be checked, so its claim stands.
 */
function goneHere(claim: DeployClaim): boolean {
  if (claim.host !== hostname() || claim.pid === process.pid) return false;
  try {
    process.kill(claim.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The claim at `tip`, as git reads it (one `git log`). */
async function readClaim(store: GitStore, tip: string): Promise<DeployClaim | undefined> {
  const [commit] = await gitCall(() => store.readRecordLog([tip], undefined));
  return commit && commit.sha === tip ? parseClaimMessage(commit.message) : undefined;
}

/**
 * Claims `deployment`/`target` for this rollout's deploy steps. `current` is the claim ref's
 * tip as the rollout's snapshot read it (after fetching, with a remote). Throws `conflict`
 * (exit 1) naming the holder when another rollout holds it, or when another rollout claimed it
 * between the read and the write.
 */
export async function claimTarget(
  store: GitStore,
  deployment: string,
  target: string,
  current: string | undefined,
  identity: Identity,
  options: { remote?: string; forMs?: number; now?: Date },
): Promise<HeldClaim> {
  const now = options.now ?? new Date();
  if (current) {
    const held = await readClaim(store, current);
    if (claimState(held, now) === 'held' && !goneHere(held!))
      throw new RolloutError('conflict', claimHeldMessage(held!));
  }
  const claim: DeployClaim = {
    kind: 'claim',
    deployment,
    target,
    holder: identity.email || identity.name,
    host: hostname(),
    pid: process.pid,
    since: isoSeconds(now),
    expires_at: isoSeconds(new Date(now.getTime() + (options.forMs ?? DEFAULT_CLAIM_MS))),
  };
  const sha = await gitCall(() => store.writeRecordCommit(formatClaimMessage(claim), [], false));
  const ref = claimRef(deployment, target);
  const update = { ref, newSha: sha, oldSha: current };
  try {
    await gitCall(() => store.updateRefs([update]));
    if (options.remote) await pushOrRestore(store, options.remote, [update]);
  } catch (err) {
    if (err instanceof RolloutError && err.kind === 'conflict')
      throw new RolloutError(
        'conflict',
        `Another rollout claimed ${displayName(deployment)}/${displayName(target)} at the same moment; nothing was deployed or written. Run the rollout again once theirs is recorded.`,
        err.detail,
      );
    throw err;
  }
  return { ref, tip: sha };
}

/**
 * Gives a claim back when the rollout ends without its transaction (a refusal or a conflict
 * after claiming). Best effort: a claim that cannot be deleted expires by itself.
 */
export async function releaseClaim(
  store: GitStore,
  held: HeldClaim,
  remote: string | undefined,
): Promise<void> {
  const update = { ref: held.ref, oldSha: held.tip };
  try {
    await gitCall(() => store.updateRefs([update]));
    if (remote) await pushOrRestore(store, remote, [update]);
  } catch {
    // Nothing to do: the claim expires, and the next rollout takes it over then.
  }
}

/**
 * `release-claim`: clears the claim of a target. A claim that still holds is cleared only with
 * `force` (its rollout is known to be gone), and the message says whose it was.
 */
export async function clearClaim(
  store: GitStore,
  deployment: string,
  target: string,
  options: { force?: boolean; remote?: string; now?: Date },
): Promise<string> {
  const ref = claimRef(deployment, target);
  const [entry] = await gitCall(() => store.listRefs([ref]));
  const where = `${displayName(deployment)}/${displayName(target)}`;
  if (!entry || entry.ref !== ref) return `${where} has no deploy claim; nothing to clear.`;
  const claim = await readClaim(store, entry.sha);
  const state = claimState(claim, options.now ?? new Date());
  if (state === 'held' && !options.force)
    throw new RolloutError(
      'refused',
      `${where} is claimed by ${displayName(claim!.holder)} (${displayName(claim!.host)}, process ${claim!.pid}) since ${claim!.since}, until ${claim!.expires_at}. Clear it only if that rollout is gone: add --force.`,
    );
  const update = { ref, oldSha: entry.sha };
  await gitCall(() => store.updateRefs([update]));
  if (options.remote) await pushOrRestore(store, options.remote, [update]);
  return claim
    ? `Cleared the ${state === 'held' ? '' : 'expired '}claim of ${displayName(claim.holder)} on ${where} (since ${claim.since}).`
    : `Cleared a damaged claim on ${where}.`;
}
