/**
 * What is deployed where, as the hover and the code lens need it. The language server never
 * runs git itself: this interface is implemented over the rollout service (server/src/rollout),
 * and an empty implementation stands in where there is no git repository.
 */
import type { DeployedState } from '../core';

export interface LiveState {
  /** The deployed state of one deployment; empty when nothing is recorded or git is missing. */
  deployed(deploymentName: string): Promise<DeployedState>;
  /** Why live state is missing (no repository, git not installed), for one deployment or overall. */
  problem(deploymentName?: string): string | undefined;
  /**
   * How many commits `to` has that `from` does not (`git rev-list --count`), for the lens's
   * `3 commits ahead`; undefined when git cannot tell.
   */
  commitsAhead(deploymentName: string, from: string[], to: string[]): Promise<number | undefined>;
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

/**
 * Caches another LiveState per deployment until the refs change, so hovers and lenses on every
 * keystroke do not each read git. invalidate() is called by the refs watcher.
 */
export class CachedLiveState implements LiveState {
  private readonly cache = new Map<string, Promise<DeployedState>>();
  private readonly counts = new Map<string, Promise<number | undefined>>();

  constructor(private inner: LiveState) {}

  setInner(inner: LiveState): void {
    this.inner = inner;
    this.invalidate();
  }

  deployed(deploymentName: string): Promise<DeployedState> {
    let p = this.cache.get(deploymentName);
    if (!p) {
      p = this.inner.deployed(deploymentName);
      this.cache.set(deploymentName, p);
      // A failed read is not cached: the next request tries again.
      p.catch(() => this.cache.delete(deploymentName));
    }
    return p;
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

  invalidate(): void {
    this.cache.clear();
    this.counts.clear();
  }
}
