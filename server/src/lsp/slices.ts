/**
 * Running long work (an edit's rules on a file of thousands of targets) in slices, so that the
 * requests that arrive meanwhile are answered between two slices instead of after all of them.
 */

/** How long work runs before it lets waiting requests go first. */
export const SLICE_MS = 5;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until the requests that arrived meanwhile have been answered and their answers
 * written. vscode-jsonrpc takes two turns of the event loop from reading a message to calling
 * its handler (it decodes the message under a lock released with setImmediate, then dispatches
 * it from a queue run with setImmediate), and a continuation queued before the read runs first
 * in each turn, hence three turns; the answer is written one turn after the handler returns
 * (the writer's lock again), hence a fourth. A handler that waits for git goes on between two
 * later slices. Each turn costs microseconds when nothing is waiting.
 */
async function requestsFirst(): Promise<void> {
  for (let i = 0; i < 4; i++) await turn();
}

/**
 * Runs `steps` to the end, letting requests go first once a slice (counted from `startedAt`)
 * is used up, and returns what the steps return; work of a few milliseconds runs in one piece.
 * After every pause `current()` is asked whether the work still matters: when it says no, the
 * steps are left unfinished and undefined is returned.
 */
export async function runInSlices<T>(
  steps: Generator<void, T, void>,
  startedAt: number,
  current: () => boolean,
): Promise<T | undefined> {
  let sliceStart = startedAt;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (Date.now() - sliceStart < SLICE_MS) continue;
    await requestsFirst();
    sliceStart = Date.now();
    if (!current()) return undefined;
  }
}
