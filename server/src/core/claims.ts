/**
 * Deploy claims (a lease on a target): a rollout that runs deploy steps first claims its target
 * at `refs/atmos/claims/<d>/<t>`, a commit whose message holds one JSON claim (who, where,
 * since, until). The ref moves by compare-and-swap and, with a remote, is pushed with a lease,
 * so two rollouts to one target cannot both run their deploy steps: the second is refused,
 * naming the holder, before it deploys anything. The rollout deletes its claim in the same
 * transaction that records it. A claim left by a killed rollout expires, and the next rollout
 * takes it over; `release-claim` clears one sooner.
 *
 * Pure: git reads and writes the commits; these functions format and judge them.
 */
import { displayName } from './names';

export const CLAIM_ROOT = 'refs/atmos/claims';

/** How long a claim holds when the rollout does not say (`--claim-for`). */
export const DEFAULT_CLAIM_MS = 60 * 60 * 1000;

export function claimRef(deployment: string, target: string): string {
  return `${CLAIM_ROOT}/${deployment}/${target}`;
}

export function claimRefPrefix(deployment: string): string {
  return `${CLAIM_ROOT}/${deployment}/`;
}

/** Splits `refs/atmos/claims/<d>/<t>`; undefined for anything else. */
export function parseClaimRef(ref: string): { deployment: string; target: string } | undefined {
  const m = /^refs\/atmos\/claims\/([^/]+)\/([^/]+)$/.exec(ref);
  return m ? { deployment: m[1], target: m[2] } : undefined;
}

export interface DeployClaim {
  kind: 'claim';
  deployment: string;
  target: string;
  /** The git identity of the rollout holding it. */
  holder: string;
  /** Host and process, so a person can tell whether the holder still runs. */
  host: string;
  pid: number;
  since: string;
  expires_at: string;
}

export function formatClaimMessage(c: DeployClaim): string {
  return `Claim ${c.deployment} ${c.target} for a rollout\n\n${JSON.stringify(c)}\n`;
}

/** The claim in a commit message, or undefined when it holds none (a damaged claim). */
export function parseClaimMessage(message: string): DeployClaim | undefined {
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    const s = (k: string) => typeof v[k] === 'string';
    return v &&
      v.kind === 'claim' &&
      s('deployment') &&
      s('target') &&
      s('holder') &&
      s('host') &&
      typeof v.pid === 'number' &&
      s('since') &&
      s('expires_at')
      ? (v as unknown as DeployClaim)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a claim still holds at `now`: `held` until it expires; a damaged claim (no parseable
 * content) counts as expired, since nobody can say who holds it or until when.
 */
export function claimState(claim: DeployClaim | undefined, now: Date): 'held' | 'expired' {
  if (!claim) return 'expired';
  const until = Date.parse(claim.expires_at);
  return Number.isNaN(until) || now.getTime() >= until ? 'expired' : 'held';
}

/** The sentence a second rollout is refused with, naming who holds the target and since when. */
export function claimHeldMessage(claim: DeployClaim): string {
  return `${displayName(claim.deployment)}/${displayName(claim.target)} is being deployed by ${displayName(claim.holder)} (${displayName(claim.host)}, process ${claim.pid}) since ${claim.since}; their claim holds until ${claim.expires_at}. Nothing was deployed or written. Run the rollout again once theirs is recorded, or, if that rollout is gone, clear its claim with \`atmos-deployments release-claim ${claim.deployment} --target ${claim.target} --force\`.`;
}
