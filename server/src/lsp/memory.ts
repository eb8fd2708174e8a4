/**
 * Memory of the server process. Parsing a large file allocates several times its final tree in
 * short-lived objects (the yaml lexer's tokens and the concrete syntax tree), much of which lives
 * long enough to be moved to the old generation. V8 collects that generation only when it has
 * grown well past what is alive, so without help a server that re-parses a 5,000-target file on
 * every edit holds hundreds of megabytes of garbage. After a large parse the server asks for one
 * full collection, once the diagnostics are on their way.
 */

/**
 * Node options the server is started with, by the extension and by the benchmark alike.
 * `--expose-gc` makes `globalThis.gc` available; without it (another editor starting the
 * server with plain `node`) the server works the same and leaves collection to V8.
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--expose-gc'];

/** Texts at least this long (in UTF-16 units) are followed by a full collection. */
export const LARGE_TEXT = 256 * 1024;

/** Set by a large parse until the collection after it has run. */
let pending: NodeJS.Timeout | undefined;

/** Longest wait for diagnostics to be written before collecting anyway. */
const FALLBACK_MS = 250;

/**
 * Notes that a large text was just parsed. The collection runs when `collectPending` is called
 * (after the diagnostics are written, so they are not held up) or, when nothing is published,
 * after a short wait. Several large parses in a row share one collection.
 */
export function collectSoon(): void {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') return;
  // The wait restarts with every large parse: a collection left over from an earlier parse must
  // not run between this parse and the write of its diagnostics.
  if (pending) clearTimeout(pending);
  pending = setTimeout(collectPending, FALLBACK_MS);
}

/** Runs the collection a large parse asked for, if any; cheap to call when there is none. */
export function collectPending(): void {
  if (!pending) return;
  clearTimeout(pending);
  pending = undefined;
  try {
    (globalThis as { gc?: () => void }).gc?.();
  } catch {
    // A collection is only an optimisation; nothing depends on it having run.
  }
}
