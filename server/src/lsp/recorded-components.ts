/**
 * The components git has recorded for the deployments of open files, for the
 * `recorded-component-conflict` warning. Diagnostics are computed synchronously, so this keeps
 * the last answer of the live state (the same read the hover and the lenses use) and, when it
 * arrives or changes, publishes that deployment's diagnostics again. Only deployments of open
 * files are read, so a workspace of thousands of files costs no git reads at start.
 */
import type { DeployedState, RecordedComponents } from '../core';

function fromState(state: DeployedState): RecordedComponents {
  const out: RecordedComponents = new Map();
  for (const [target, components] of Object.entries(state)) {
    const names = Object.keys(components).sort();
    if (names.length) out.set(target, names);
  }
  return out;
}

/** Nothing known and nothing recorded are the same answer: neither warns, so neither republishes. */
function same(a: RecordedComponents | undefined, b: RecordedComponents): boolean {
  if (!a) return b.size === 0;
  if (a.size !== b.size) return false;
  for (const [t, names] of b) if (a.get(t)?.join('\u0000') !== names.join('\u0000')) return false;
  return true;
}

export class RecordedComponentsWatch {
  private readonly known = new Map<string, RecordedComponents>();
  private readonly reading = new Set<string>();

  constructor(
    private readonly read: (deployment: string) => Promise<DeployedState>,
    private readonly republish: (deployment: string) => void,
  ) {}

  /** The last answer for `deployment`; the first call starts a read and answers undefined. */
  get(deployment: string): RecordedComponents | undefined {
    if (!this.known.has(deployment)) this.load(deployment);
    return this.known.get(deployment);
  }

  private timer: NodeJS.Timeout | undefined;

  /** Reads every deployment asked for so far again (the refs changed). */
  refresh(): void {
    for (const name of this.known.keys()) this.load(name);
  }

  /** The same, a little later: after the writes that woke the refs watcher have settled. */
  refreshSoon(delayMs = 500): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), delayMs);
    this.timer.unref();
  }

  private load(deployment: string): void {
    if (this.reading.has(deployment)) return;
    this.reading.add(deployment);
    this.read(deployment)
      .then((state) => {
        const now = fromState(state);
        const unchanged = same(this.known.get(deployment), now);
        this.known.set(deployment, now);
        if (!unchanged) this.republish(deployment);
      })
      // A failed read leaves the warning out, as `validate` does without git.
      .catch(() => undefined)
      .finally(() => this.reading.delete(deployment));
  }
}
