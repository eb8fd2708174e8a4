/**
 * Committed rules (design section 11): `rollout`, `approve` and `rollback` read the deployment
 * file from a commit, never from unsaved or uncommitted text. By default that commit is HEAD;
 * with a remote, the remote's default branch as just fetched; `--policy-rev` (the setting
 * `atmosDeployments.policyRev`) names another. A working copy that differs from it is refused,
 * because a local edit such as `prod: {}` would otherwise open prod to any source. The commit
 * the rules came from is recorded in every tag as `policy_sha`, so `verify` can replay them.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { ALLOWED_SIGNERS_PATH, parseDeploymentFile, type Deployment } from '../core';
import type { GitStore, RepoInfo } from '../git';
import { RolloutError } from './errors';
import { checkRemoteName, deploymentName } from './names';
import { gitCall } from './snapshot';
import type { PolicySource } from './types';

/** The rules a write follows and the commit they were read from. */
export interface Policy {
  deployment: Deployment;
  /** The commit the rules were read from (`policy_sha` in every tag). */
  sha: string;
  /** The deployment file's path inside the repository, `/`-separated. */
  path: string;
  /** What the store said of the repository, so the plan need not ask again. */
  repo: RepoInfo;
  /**
   * `.atmos/allowed_signers` at the same commit: review approvals are verified against the
   * committed keys, never against a file someone edited in their clone. Absent when there is none.
   */
  allowedSigners?: string;
}

/**
 * Where `--remote` writes keep the remote's default branch, as fetched just before. It lies
 * outside `refs/atmos/` so that nothing reading or pushing the records ever sees it.
 */
export function remotePolicyRef(remote: string): string {
  return `refs/atmos-policy/${remote}`;
}

/**
 * Reads the rules for a write from the policy revision and checks that the caller's copy of the
 * deployment file (the file on disk, or the editor's buffer) is that committed text. Throws a
 * RolloutError (`refused`) naming the file and the revision when it is not, and `usage` when the
 * revision cannot be read.
 */
export async function loadPolicy(
  store: GitStore,
  expectedName: string,
  source: PolicySource,
  remote: string | undefined,
  /**
   * Reads that only show records (the approval requests a view lists) take the committed rules
   * as they are, without requiring the caller's copy to match them.
   */
  { requireClean = true }: { requireClean?: boolean } = {},
): Promise<Policy> {
  const info = await gitCall(() => store.repoInfo());
  const rel = repoPath(info.root, source.file);
  let rev = source.rev?.trim() || undefined;
  let label = rev ?? 'HEAD';
  let push = '';
  if (!rev && remote) {
    checkRemoteName(remote);
    await fetchRemotePolicy(store, remote);
    rev = remotePolicyRef(remote);
    label = `${remote}'s default branch`;
    push = ' and push';
  }
  rev ??= 'HEAD';
  if (rev.startsWith('-'))
    throw new RolloutError('usage', `--policy-rev ${JSON.stringify(rev)} is not a revision.`);
  // The everyday case (HEAD) is answered by the rev-parse that found the repository.
  const sha = rev === 'HEAD' ? info.head : await gitCall(() => store.resolveCommit(rev));
  if (!sha)
    throw new RolloutError(
      'usage',
      rev === 'HEAD'
        ? `This repository has no commits yet; promotion rules are read from committed config (HEAD). Commit ${rel} first.`
        : `The policy revision '${JSON.stringify(rev).slice(1, -1)}' is not a commit in this repository; promotion rules are read from it.`,
    );
  // The allowed-signers file comes in the same `cat-file --batch`, so it costs no process.
  const files = await gitCall(() =>
    store.readFilesAt([
      { rev: sha, path: rel },
      { rev: sha, path: ALLOWED_SIGNERS_PATH },
    ]),
  );
  const committed = files.get(`${sha}:${rel}`);
  if (committed === undefined)
    throw new RolloutError(
      'refused',
      `${rel} is not committed; promotion rules are read from committed config (${label}). Commit${push} it first.`,
      undefined,
      'uncommitted-policy',
    );
  if (requireClean && normalise(committed) !== normalise(source.text))
    throw new RolloutError(
      'refused',
      `${rel} has uncommitted changes; promotion rules are read from committed config (${label}). Commit${push} them first.`,
      undefined,
      'uncommitted-policy',
    );
  const parsed = parseDeploymentFile(committed, rel);
  const deployment = parsed.deployment;
  if (!deployment || deploymentName(deployment) !== expectedName)
    throw new RolloutError(
      'refused',
      `${rel} at ${label} does not define deployment ${expectedName}; promotion rules are read from committed config. Commit${push} it first.`,
    );
  return {
    deployment,
    sha,
    path: rel,
    repo: info,
    allowedSigners: files.get(`${sha}:${ALLOWED_SIGNERS_PATH}`),
  };
}

/**
 * Brings the remote's default branch (whatever its HEAD names) into a private ref, so a write
 * with `--remote` follows the rules the team has committed there, not what this clone holds.
 */
async function fetchRemotePolicy(store: GitStore, remote: string): Promise<void> {
  try {
    await gitCall(() => store.fetch(remote, [`+HEAD:${remotePolicyRef(remote)}`]));
  } catch (err) {
    if (!(err instanceof RolloutError)) throw err;
    throw new RolloutError(
      'usage',
      `Cannot read the promotion rules from ${remote}'s default branch: ${err.message} Push the branch that holds the deployment files to ${remote} first, or pass --policy-rev <rev>.`,
      err.detail,
    );
  }
}

/** The file's path inside the repository, or a usage error when it lies outside it. */
function repoPath(root: string, file: string): string {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const abs = path.join(real(path.dirname(file)), path.basename(file));
  const rel = path.relative(real(root), abs);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new RolloutError(
      'usage',
      `${file} is outside the git repository at ${root}; promotion rules are read from committed config there.`,
    );
  return rel.split(path.sep).join('/');
}

/** Line endings are git's business (core.autocrlf); the rules are the same either way. */
function normalise(text: string): string {
  return text.replace(/\r\n/g, '\n');
}
