/**
 * Why a `git push --atomic --porcelain` failed, read from git's own output. Two causes need
 * opposite advice:
 *
 * - a race: the remote moved since this clone fetched (a stale lease, a non-fast-forward, a tag
 *   that already exists), found by git before sending, or by the server's own compare-and-swap
 *   when two pushes arrive at once. Running the command again fetches the winner's records and
 *   plans from them, so that is what the user is told to do.
 * - a refusal: the server ran the push past its rules and said no (a pre-receive or update hook,
 *   a protected ref, `receive.deny*`). Running the command again gives the same answer, so the
 *   user is shown the server's reason and told that retrying will not help.
 *
 * Porcelain status lines (`!\t<from>:<to>\t[remote rejected] (<reason>)`) are on stdout; what
 * the server says (hooks, errors) comes on stderr as `remote: ` lines.
 */

export interface PushRejection {
  ref: string;
  /** True for `[remote rejected]`: the server refused; false for `[rejected]`: git did. */
  byServer: boolean;
  reason: string;
}

export type PushFailure =
  | { cause: 'race' }
  | {
      cause: 'refused';
      reason: string;
      quote: string[];
      /**
       * Refs the server updated although the push was atomic. receive-pack (git 2.39 at least)
       * rejects an update of a hidden ref (`receive.hideRefs`) before its atomic transaction
       * starts and then commits the rest, so a refusal does not always mean nothing changed.
       */
      applied: string[];
    }
  | { cause: 'other' };

/** The most lines of the server's words a message quotes. */
export const MAX_QUOTED_LINES = 10;

/**
 * What receive-pack reports when its ref transaction fails: normally because another push moved
 * the ref after this one's lease was checked, which is a race, not a rule.
 */
const TRANSACTION_REASONS = new Set([
  'atomic transaction failed',
  'failed to update ref',
  'failed to update refs',
  'failed to lock',
  'failed to delete',
]);

/** How the server words a compare-and-swap that lost (in its `remote: error:` lines). */
const LOCK_CONFLICT =
  /cannot lock ref|but expected|reference already exists|incorrect old value|unable to create '.*\.lock'|is at [0-9a-f]+ but/i;

/** Text that, without porcelain status lines, still says git found the remote moved. */
const CLIENT_RACE = /stale info|atomic push failed|fetch first|non-fast-forward|already exists/i;

/** Refs a porcelain report shows as updated (`*` new, `+` forced, ` ` fast-forward, `-` deleted). */
export function parseApplied(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^[*+ -]\t([^\t]*)\t/.exec(line);
    if (!m) continue;
    const colon = m[1].lastIndexOf(':');
    out.push(colon >= 0 ? m[1].slice(colon + 1) : m[1]);
  }
  return out;
}

export function parseRejections(stdout: string): PushRejection[] {
  const out: PushRejection[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^!\t([^\t]*)\t(\[(remote )?rejected\])\s*(?:\((.*)\))?\s*$/.exec(line);
    if (!m) continue;
    const colon = m[1].lastIndexOf(':');
    out.push({
      ref: colon >= 0 ? m[1].slice(colon + 1) : m[1],
      byServer: m[3] !== undefined,
      reason: (m[4] ?? '').trim(),
    });
  }
  return out;
}

/** The server's own lines (`remote: ...`), without the prefix, padding or empty ones. */
export function remoteLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('remote:'))
    .map((l) => l.slice('remote:'.length).trim())
    .filter(Boolean);
}

export function classifyPushFailure(stdout: string, stderr: string): PushFailure {
  const rejections = parseRejections(stdout);
  const said = remoteLines(stderr);
  if (rejections.length === 0) {
    // No porcelain status: git stopped before or without talking to receive-pack (network,
    // authentication), or an older git worded it differently. Only clear race words count.
    return CLIENT_RACE.test(`${stdout}\n${stderr}`) ? { cause: 'race' } : { cause: 'other' };
  }
  const errors = said.filter((l) => /^(error|fatal):/i.test(l));
  // A failed transaction is a lost race when the server says a lock or an expected value was
  // the problem, or says nothing at all; any other error (a full disk, a broken repository) is
  // the server's state, and quoting it helps more than a retry would.
  const lostRace = errors.length === 0 || errors.some((l) => LOCK_CONFLICT.test(l));
  const refusals = rejections.filter(
    (r) => r.byServer && !(TRANSACTION_REASONS.has(r.reason) && lostRace),
  );
  if (refusals.length === 0) return { cause: 'race' };
  return {
    cause: 'refused',
    reason: escapeControls(refusals[0].reason || 'remote rejected'),
    quote: quoteServer(said, refusals),
    applied: parseApplied(stdout).map(escapeControls),
  };
}

/**
 * The lines a refusal message quotes: what the server said, then each distinct rejection reason
 * with the first ref it hit. Trimmed to MAX_QUOTED_LINES, control characters escaped, because a
 * remote's text must not drive the user's terminal.
 */
function quoteServer(said: string[], refusals: PushRejection[]): string[] {
  const byReason = new Map<string, PushRejection[]>();
  for (const r of refusals) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
  const reasons = [...byReason].map(([reason, refs]) => {
    const more =
      refs.length > 1 ? ` and ${refs.length - 1} more ref${refs.length > 2 ? 's' : ''}` : '';
    return `[remote rejected] ${refs[0].ref}${more} (${reason || 'no reason given'})`;
  });
  const lines = [...said.map((l) => `remote: ${l}`), ...reasons].map((l) =>
    escapeControls(l).slice(0, 300),
  );
  if (lines.length <= MAX_QUOTED_LINES) return lines;
  // The reasons are kept (they name the rule that fired); the server's lines are cut.
  const keepReasons = reasons.slice(0, MAX_QUOTED_LINES - 1);
  const keepSaid = lines.slice(0, MAX_QUOTED_LINES - 1 - keepReasons.length);
  const dropped = lines.length - keepSaid.length - keepReasons.length;
  return [
    ...keepSaid,
    `… (${dropped} more line${dropped === 1 ? '' : 's'})`,
    ...lines.slice(said.length, said.length + keepReasons.length),
  ];
}

/**
 * C0 and C1 control characters, DEL and the bidirectional overrides, written as `\xNN` or
 * `\u{NNNN}` so a remote's colours, cursor moves or reordered text show as text.
 */
export function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const code = c.codePointAt(0)!;
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u{${code.toString(16)}}`;
    },
  );
}
