/**
 * `rollout --wait [duration] --poll-interval <duration>`: parsing the durations, and Ctrl+C,
 * which ends the wait by withdrawing the request instead of killing the process midway.
 */
import { parseDuration } from '../../core';
import { CliError, EXIT } from '../errors';

const DEFAULT_WAIT = '1h';
const DEFAULT_POLL = '5s';

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new CliError(
      `${flag} ${JSON.stringify(text)}: expected a duration such as 30s, 10m, 1h or 1h30m.`,
      EXIT.usage,
    );
  return ms;
}

/** `--claim-for <duration>` in milliseconds. */
export function claimDuration(text: string): number {
  return duration('--claim-for', text);
}

/** `--deploy-timeout <duration>` in milliseconds. */
export function deployTimeout(text: string): number {
  return duration('--deploy-timeout', text);
}

/** `--parallelism <n>`: a whole number of components deployed at once, at least 1. */
export function parallelism(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(
      `--parallelism ${JSON.stringify(text)}: expected a whole number of at least 1.`,
      EXIT.usage,
    );
  return n;
}

/** The wait asked for, or undefined without `--wait`. */
export function waitOptions(opts: {
  wait?: string | boolean;
  pollInterval?: string;
  dryRun?: boolean;
}): { timeoutMs: number; pollMs: number } | undefined {
  if (opts.wait === undefined || opts.wait === false) {
    if (opts.pollInterval !== undefined)
      throw new CliError('--poll-interval only applies with --wait.', EXIT.usage);
    return undefined;
  }
  const timeoutMs = duration('--wait', opts.wait === true ? DEFAULT_WAIT : opts.wait);
  const pollMs = duration('--poll-interval', opts.pollInterval ?? DEFAULT_POLL);
  return { timeoutMs, pollMs };
}

/**
 * Runs the wait with a signal that Ctrl+C (SIGINT) or SIGTERM aborts; the service then
 * withdraws the request and says so. A second Ctrl+C is left to node's default (exit now).
 */
export async function whileWaiting<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Runs a rollout whose deploy steps Ctrl+C (or SIGTERM) stops instead of killing the process:
 * the running commands are stopped, the rest not started, and what finished is recorded in the
 * rollout's one transaction. The handler is installed only once the deploy steps start (before
 * that, Ctrl+C ends the rollout as it always did, with nothing deployed), and a second Ctrl+C
 * ends the process at once, as usual.
 */
export async function whileDeploying<T>(
  fn: (stop: AbortSignal, started: () => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const stop = () => {
    process.stderr.write(
      '→ Interrupted: stopping the deploy steps; what finished will be recorded. Press Ctrl+C again to quit at once.\n',
    );
    controller.abort();
  };
  const started = () => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  };
  try {
    return await fn(controller.signal, started);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
