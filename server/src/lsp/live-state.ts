/**
 * What is deployed where, as the hover and the code lens need it. The language server never
 * runs git itself: this interface is implemented over the rollout service (server/src/rollout),
 * and an empty implementation stands in where there is no git repository.
 */
import type { DeployedState } from '../core';

/** A commit as a lens names it. */
export interface HeadCommit {
  sha: string;
  /** The first line of its message; absent when git cannot read it. */
  subject?: string;
}

export interface LiveState {
  /**
   * The deployed state of one deployment; empty when nothing is recorded or git is missing. With
   * a signal the read stops its git processes once the signal aborts and rejects; it never
   * answers an empty state for a cancelled read.
   */
  deployed(deploymentName: string, signal?: AbortSignal): Promise<DeployedState>;
  /** Why live state is missing (no repository, git not installed), for one deployment or overall. */
  problem(deploymentName?: string): string | undefined;
  /**
   * How many commits `to` has that `from` does not (`git rev-list --count`), for the lens's
   * `3 commits ahead`; undefined when git cannot tell.
   */
  commitsAhead(deploymentName: string, from: string[], to: string[]): Promise<number | undefined>;
  /**
   * The commit HEAD points at in the repository holding the deployment, with its subject, for
   * the entry point's lens (`Roll out HEAD (abc1234 "subject") to dev`); undefined when there is
   * no repository or no commit. Optional: without it the lens names no commit.
   */
  head?(deploymentName: string): Promise<HeadCommit | undefined>;
  /**
   * The deployed state of many deployments in one read (`readWorkspaceStates`), for a status of
   * the whole workspace; deployments it cannot answer are left out. Optional: without it each
   * deployment is read alone.
   */
  deployedMany?(
    deploymentNames: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, DeployedState>>;
  /** Reads the deployments not yet cached in one pass and caches them (the cache does this). */
  prefetch?(deploymentNames: string[], signal?: AbortSignal): Promise<void>;
}

/** Live state for a workspace without git records: nothing is deployed anywhere. */
export class EmptyLiveState implements LiveState {
  constructor(private readonly why = 'git records are not available') {}

  async deployed(): Promise<DeployedState> {
    return {};
  }

  problem(): string | undefined {
    return this.why;
  }

  async commitsAhead(): Promise<number | undefined> {
    return undefined;
  }
}

/** A cached read and the signal of the request that started it, if it can be cancelled. */
interface CachedRead {
  state: Promise<DeployedState>;
  signal?: AbortSignal;
}

/**
 * Caches another LiveState per deployment until the refs change, so hovers and lenses on every
 * keystroke do not each read git. invalidate() is called by the refs watcher.
 *
 * A read started by a cancellable request (status) runs under that request's signal, so
 * cancelling it kills its git processes. Such a read rejects when cancelled and is then dropped
 * from the cache, so no caller ever sees a cancelled read as an empty state; a caller that was
 * waiting on it without being cancelled itself reads again.
 */
/** How long a HEAD read for the entry point's lens is trusted without a refs change. */
const HEAD_FOR_MS = 3000;

export class CachedLiveState implements LiveState {
  private readonly cache = new Map<string, CachedRead>();
  private readonly counts = new Map<string, Promise<number | undefined>>();
  private readonly heads = new Map<string, { read: Promise<HeadCommit | undefined>; at: number }>();
  /** Counts invalidations, so a pass that a refs change overtook is not cached. */
  private generation = 0;

  constructor(private inner: LiveState) {}

  setInner(inner: LiveState): void {
    this.inner = inner;
    this.invalidate();
  }

  async deployed(deploymentName: string, signal?: AbortSignal): Promise<DeployedState> {
    for (;;) {
      let read = this.cache.get(deploymentName);
      if (!read) {
        const entry: CachedRead = { state: this.inner.deployed(deploymentName, signal), signal };
        this.cache.set(deploymentName, entry);
        // A failed or cancelled read is not cached: the next request tries again. Only this
        // entry is dropped, not one a refs change has put in its place since.
        entry.state.catch(() => {
          if (this.cache.get(deploymentName) === entry) this.cache.delete(deploymentName);
        });
        read = entry;
      }
      try {
        return await read.state;
      } catch (err) {
        // Another request's read was cancelled under this caller: read again, on its own terms.
        // The cancelled entry is dropped here too, so the loop never meets it twice.
        if (read.signal?.aborted && read.signal !== signal && !signal?.aborted) {
          if (this.cache.get(deploymentName) === read) this.cache.delete(deploymentName);
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Reads every deployment of `names` the cache does not hold in one pass and caches each, so
   * the status of a whole workspace that follows reads none of them alone. A failed pass caches
   * nothing: each deployment is then read alone, as before.
   */
  async prefetch(names: string[], signal?: AbortSignal): Promise<void> {
    const missing = names.filter((n) => !this.cache.has(n));
    if (missing.length < 2 || !this.inner.deployedMany) return;
    // A refs change during the pass makes its answer old: it is then not cached.
    const generation = this.generation;
    let states: Map<string, DeployedState>;
    try {
      states = await this.inner.deployedMany(missing, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      return;
    }
    if (generation !== this.generation) return;
    for (const [name, state] of states)
      if (!this.cache.has(name)) this.cache.set(name, { state: Promise.resolve(state) });
  }

  problem(deploymentName?: string): string | undefined {
    return this.inner.problem(deploymentName);
  }

  commitsAhead(deploymentName: string, from: string[], to: string[]): Promise<number | undefined> {
    const key = `${deploymentName}\u0000${from.join(',')}\u0000${to.join(',')}`;
    let p = this.counts.get(key);
    if (!p) {
      p = this.inner.commitsAhead(deploymentName, from, to).catch(() => undefined);
      this.counts.set(key, p);
    }
    return p;
  }

  head(deploymentName: string): Promise<HeadCommit | undefined> {
    // HEAD moves with every commit and checkout, which the refs watcher reports; a watch event
    // can be missed (a busy machine, a file system without inotify), so a cached HEAD is also
    // read again once it is a few seconds old. It is one `git log -1` for a lens.
    const cached = this.heads.get(deploymentName);
    if (cached && Date.now() - cached.at < HEAD_FOR_MS) return cached.read;
    // Only a hint on a lens: a failure names no commit, and the rollout asks git again.
    const read = (this.inner.head?.(deploymentName) ?? Promise.resolve(undefined)).catch(
      () => undefined,
    );
    this.heads.set(deploymentName, { read, at: Date.now() });
    return read;
  }

  invalidate(): void {
    this.generation++;
    this.cache.clear();
    this.counts.clear();
    this.heads.clear();
  }
}
