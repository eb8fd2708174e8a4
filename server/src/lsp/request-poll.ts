/**
 * Looks at the remote for approval requests every `atmosDeployments.requestPollInterval`
 * seconds, so a request made in another clone reaches the Promotions view, the status bar and a
 * notification while the editor is open (design section 11). It only fetches the requests and
 * their approvals (through the approval-requests request with `fetch`), never in an untrusted
 * workspace or without a remote, and tells the client when what it found changed.
 */

export interface RequestPollOptions {
  /** Seconds between polls; 0 turns polling off. Read before each poll, so settings apply. */
  intervalSeconds: () => number;
  /** False in an untrusted workspace or without a remote configured. */
  enabled: () => boolean;
  /** Fetches and lists the requests; returns something that differs when they changed. */
  poll: () => Promise<string>;
  changed: () => void;
  log: (message: string) => void;
}

/** How often a switched-off poller looks again whether it was switched on. */
const IDLE_CHECK_MS = 15_000;

/** Starts polling; returns the function that stops it. */
export function startRequestPoll(o: RequestPollOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let last: string | undefined;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), ms);
    // A pending poll never keeps the server alive after its client went away.
    timer.unref();
  };
  const tick = async () => {
    const seconds = o.intervalSeconds();
    if (seconds <= 0 || !o.enabled()) return schedule(IDLE_CHECK_MS);
    try {
      const now = await o.poll();
      if (last !== undefined && now !== last) o.changed();
      last = now;
    } catch (err) {
      o.log(
        `Looking for approval requests on the remote failed: ${String((err as Error)?.message ?? err)}`,
      );
    }
    schedule(seconds * 1000);
  };
  schedule(Math.max(1000, Math.min(o.intervalSeconds() * 1000, IDLE_CHECK_MS)));
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
