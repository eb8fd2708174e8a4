/**
 * Approval requests (design section 11, the PRD's request → wait → approve flow). A rollout
 * run with `--wait` records what it asks to be approved at `refs/atmos/requests/<d>/<t>`: a
 * commit whose message holds one JSON request (who asked, when, the plan's SHAs, expiry). A
 * reviewer who declines adds a child commit holding one JSON decline. The ref travels through
 * the remote like the other records, so a rollout waiting in one clone sees what a reviewer did
 * in another.
 *
 * Everything here is pure: git reads the commits (and checks their signatures against the
 * committed allowed-signers file); these functions decide what the chain means. They never
 * throw: a damaged entry is reported and ignored.
 */
import { ALLOWED_SIGNERS_PATH } from './allowed-signers';
import type { ReviewRule } from './approval-count';
import { displayName } from './names';
import { sourceMatches, type ApprovalScope } from './records';

export const REQUEST_ROOT = 'refs/atmos/requests';

/** How long a request stays open when the rollout does not say (`--wait` may be shorter). */
export const DEFAULT_REQUEST_LIFETIME_MS = 24 * 60 * 60 * 1000;

export function requestRef(deployment: string, target: string): string {
  return `${REQUEST_ROOT}/${deployment}/${target}`;
}

export function requestRefPrefix(deployment?: string): string {
  return deployment ? `${REQUEST_ROOT}/${deployment}/` : `${REQUEST_ROOT}/`;
}

/** Splits `refs/atmos/requests/<d>/<t>`; undefined for anything else. */
export function parseRequestRef(ref: string): { deployment: string; target: string } | undefined {
  const m = /^refs\/atmos\/requests\/([^/]+)\/([^/]+)$/.exec(ref);
  return m ? { deployment: m[1], target: m[2] } : undefined;
}

/** What a waiting rollout asks to be approved: exactly one plan. */
export interface ApprovalRequest {
  kind: 'request';
  deployment: string;
  target: string;
  /** The source target, or `commit` for a commit rollout (as approvals write it). */
  promoted_from: string;
  /** Component → SHA of the plan. */
  components: Record<string, string>;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  policy_sha?: string;
}

/** A reviewer's refusal of a request, with the reason the waiting rollout prints. */
export interface RequestDecline {
  kind: 'decline';
  deployment: string;
  target: string;
  declined_by: string;
  declined_at: string;
  reason: string;
}

/** One commit of a request ref's history, as git read it. */
export interface RequestCommit {
  sha: string;
  parents: string[];
  /** git's `%G?` for the commit, checked against the committed allowed-signers file. */
  status: string;
  /** git's `%GS`: the principal the allowed-signers file names for the key. */
  signer: string;
  message: string;
}

export type RequestState = 'open' | 'declined' | 'expired' | 'damaged';

/** What one request ref means now. */
export interface RequestView {
  ref: string;
  deployment: string;
  target: string;
  /** The ref's tip: the compare-and-swap value for whoever changes it next. */
  tip: string;
  state: RequestState;
  request?: ApprovalRequest;
  /** The decline that ended it, when one counts. */
  decline?: RequestDecline;
  /** Entries that do not count, each with the sentence that says why. */
  ignored: string[];
}

/** The commit message of a request: a subject people can read, then the JSON git tools parse. */
export function formatRequestMessage(entry: ApprovalRequest | RequestDecline): string {
  const subject =
    entry.kind === 'request'
      ? `Request approval: ${entry.deployment} ${entry.promoted_from} -> ${entry.target}`
      : `Decline: ${entry.deployment} -> ${entry.target}`;
  return `${subject}\n\n${JSON.stringify(entry)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): v is string {
  return typeof v === 'string';
}

/** The JSON entry of a request commit, or a sentence saying why there is none. */
export function parseRequestMessage(
  message: string,
): { entry: ApprovalRequest | RequestDecline } | { problem: string } {
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) return { problem: 'it holds no JSON entry' };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { problem: 'its JSON entry does not parse' };
  }
  if (!isRecord(v)) return { problem: 'its JSON entry is not an object' };
  if (v.kind === 'request') {
    const ok =
      str(v.deployment) &&
      str(v.target) &&
      str(v.promoted_from) &&
      str(v.requested_by) &&
      str(v.requested_at) &&
      str(v.expires_at) &&
      isRecord(v.components) &&
      Object.values(v.components).every(str) &&
      (v.policy_sha === undefined || str(v.policy_sha));
    return ok
      ? { entry: v as unknown as ApprovalRequest }
      : { problem: 'its request lacks fields' };
  }
  if (v.kind === 'decline') {
    const ok =
      str(v.deployment) &&
      str(v.target) &&
      str(v.declined_by) &&
      str(v.declined_at) &&
      str(v.reason);
    return ok ? { entry: v as unknown as RequestDecline } : { problem: 'its decline lacks fields' };
  }
  return { problem: 'its entry is neither a request nor a decline' };
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Why a decline does not count, or undefined when it does. For a review target a decline is
 * a reviewer's act, so it counts only from a listed approver (or the requester withdrawing
 * their own request) whose signature git verified; for a manual target anyone may decline,
 * as anyone may approve.
 */
export function whyDeclineIgnored(
  decline: RequestDecline,
  commit: RequestCommit,
  request: ApprovalRequest,
  rule: ReviewRule | undefined,
): string | undefined {
  const who = displayName(decline.declined_by);
  if (!rule) return undefined;
  const isRequester = same(decline.declined_by, request.requested_by);
  if (!isRequester && !rule.approvers.some((a) => same(a, decline.declined_by)))
    return `the decline by ${who} does not count: ${who} is not a listed approver (${rule.approvers.map(displayName).join(', ')})`;
  if (commit.status === 'G' && same(commit.signer, decline.declined_by)) return undefined;
  if (commit.status === 'G')
    return `the decline by ${who} does not count: it was signed by ${displayName(commit.signer)}, not by ${who}`;
  if (commit.status === 'N')
    return `the decline by ${who} does not count: it is not signed (declines of a review target are signed like approvals)`;
  if (commit.status === 'B')
    return `the decline by ${who} does not count: its signature is bad (the commit was altered after signing)`;
  return `the decline by ${who} does not count: it is signed with a key that ${ALLOWED_SIGNERS_PATH} does not list for ${who}`;
}

/**
 * What a request ref means: walks from the tip to the root (the request), counting the
 * declines on the way. `commits` holds every commit git read for the tips; `ruleOf` gives the
 * review rule of a target (undefined for manual). `now` decides expiry.
 */
export function readRequestChain(
  ref: string,
  tip: string,
  commits: Map<string, RequestCommit>,
  now: Date,
  ruleOf: (deployment: string, target: string) => ReviewRule | undefined,
): RequestView {
  const where = parseRequestRef(ref) ?? { deployment: '', target: '' };
  const view: RequestView = { ref, ...where, tip, state: 'damaged', ignored: [] };
  const chain: RequestCommit[] = [];
  const seen = new Set<string>();
  for (let sha: string | undefined = tip; sha && !seen.has(sha);) {
    seen.add(sha);
    const c = commits.get(sha);
    if (!c) break;
    chain.unshift(c);
    sha = c.parents[0];
  }
  const root = chain[0];
  const parsedRoot = root
    ? parseRequestMessage(root.message)
    : { problem: 'git could not read it' };
  if (!('entry' in parsedRoot) || parsedRoot.entry.kind !== 'request') {
    const why = 'entry' in parsedRoot ? 'its first entry is not a request' : parsedRoot.problem;
    view.ignored.push(`${ref} is damaged and ignored: ${why}`);
    return view;
  }
  const request = parsedRoot.entry;
  if (request.deployment !== where.deployment || request.target !== where.target) {
    view.ignored.push(
      `${ref} is damaged and ignored: its request names ${displayName(request.deployment)}/${displayName(request.target)}`,
    );
    return view;
  }
  view.request = request;
  for (const c of chain.slice(1)) {
    const parsed = parseRequestMessage(c.message);
    if (!('entry' in parsed) || parsed.entry.kind !== 'decline') {
      view.ignored.push(
        `${c.sha.slice(0, 12)} on ${ref} is ignored: ${'entry' in parsed ? 'it is not a decline' : parsed.problem}`,
      );
      continue;
    }
    const why = whyDeclineIgnored(
      parsed.entry,
      c,
      request,
      ruleOf(request.deployment, request.target),
    );
    if (why) view.ignored.push(why);
    else if (!view.decline) view.decline = parsed.entry;
  }
  const expires = Date.parse(request.expires_at);
  view.state = view.decline
    ? 'declined'
    : Number.isNaN(expires) || now.getTime() >= expires
      ? 'expired'
      : 'open';
  return view;
}

/** True when the request asks for exactly this plan (same source, same component SHAs). */
export function requestMatches(request: ApprovalRequest, scope: ApprovalScope): boolean {
  if (request.deployment !== scope.deployment || request.target !== scope.target) return false;
  if (!sourceMatches(request.promoted_from, scope)) return false;
  const a = Object.entries(request.components).sort(([x], [y]) => x.localeCompare(y));
  const b = Object.entries(scope.components).sort(([x], [y]) => x.localeCompare(y));
  return a.length === b.length && a.every(([c, s], i) => b[i][0] === c && b[i][1] === s);
}

/**
 * Parses `1h`, `30m`, `90s`, `500ms`, `1h30m` or a plain number of seconds into milliseconds;
 * undefined for anything else (the CLI says what it expected).
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]];
    matched = re.lastIndex;
  }
  return matched > 0 && matched === t.length ? Math.round(total) : undefined;
}

/** `1h`, `30m`, `1h30m`, `45s`: the form the spec prints (`timeout: 1h`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
