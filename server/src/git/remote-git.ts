/**
 * The remote half of the store: fetching a deployment's records (the remote wins) and pushing a
 * rollout in one atomic push with a lease per ref, telling a lost race apart from a server that
 * refuses the push (push-failure.ts).
 */
import type { RunResult } from './git-runner';
import { firstLines } from './git-runner';
import { classifyPushFailure } from './push-failure';
import { GitStoreError, type RefUpdate } from './store';

type Run = (args: string[]) => Promise<RunResult>;

const ZERO_SHA = /^0+$/;

export async function fetchRefs(run: Run, remote: string, refspecs: string[]): Promise<void> {
  const r = await run([
    'fetch',
    '--no-tags',
    // The remote wins outright: local records of this deployment that the remote lacks
    // (a rollout killed after its local refs but before its push) are removed, or the next
    // rollout would plan from them ("nothing to do") and push with a lease the remote fails.
    '--prune',
    '--quiet',
    '--end-of-options',
    remote,
    ...refspecs,
  ]);
  if (r.code !== 0)
    throw new GitStoreError(
      'git',
      `Cannot fetch deployment records from remote '${remote}': ${firstLines(r.stderr)}`,
      r.stderr,
    );
}

export async function pushRefs(run: Run, remote: string, updates: RefUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const leases = updates.map(
    (u) => `--force-with-lease=${u.ref}:${u.oldSha && !ZERO_SHA.test(u.oldSha) ? u.oldSha : ''}`,
  );
  const specs = updates.map((u) => (u.newSha ? `${u.newSha}:${u.ref}` : `:${u.ref}`));
  const r = await run([
    'push',
    '--atomic',
    '--porcelain',
    '--no-verify',
    ...leases,
    '--end-of-options',
    remote,
    ...specs,
  ]);
  if (r.code === 0) return;
  const text = `${r.stdout}\n${r.stderr}`;
  const failure = classifyPushFailure(r.stdout, r.stderr);
  if (failure.cause === 'race')
    throw new GitStoreError(
      'push-rejected',
      `Remote '${remote}' refused the push: someone else promoted first. Your local records of this rollout were put back. Run the same command again: it fetches their records and plans from there.`,
      text.trim(),
    );
  // A hook or a protected ref said no: the same push gets the same answer, so the message
  // quotes the server instead of sending the user round a retry loop.
  if (failure.cause === 'refused')
    throw new GitStoreError(
      'push-refused',
      [
        `Remote '${remote}' refused the push (${failure.reason}). The server said:`,
        ...failure.quote.map((l) => `  ${l}`),
        failure.applied.length === 0
          ? 'Nothing was recorded on the remote, and your local records of this rollout were put back.'
          : `The server did not keep the push atomic: it recorded ${failure.applied.length} of the pushed refs anyway (${failure.applied[0]}${failure.applied.length > 1 ? ', …' : ''}). Your local records of this rollout were put back; the next command with --remote fetches what the server holds.`,
        `Running the command again will not help until the server's rule is satisfied; ask whoever runs '${remote}' if the reason is unclear.`,
      ].join('\n'),
      text.trim(),
    );
  throw new GitStoreError(
    'git',
    `Cannot push deployment records to remote '${remote}': ${firstLines(r.stderr)}`,
    text.trim(),
  );
}
