/**
 * The fast reader of deployment tag messages: one pass over the layout formatTagMessage writes
 * (flat `key: value` lines and a `metadata:` block of the same one level down), without the YAML
 * parser and without regular expressions or a split into lines. `history --limit 0` reads a
 * hundred thousand records, and the line-by-line reader with its regular expressions was a third
 * of that command's time. Anything outside that layout is left to the YAML parser, exactly where
 * the earlier reader left it, so both give the same record for every message
 * (test/unit/flat-record.test.ts compares this reader with a copy of the earlier one).
 */
import type { DeploymentRecord, RecordStatus } from './records';

/**
 * The keys a record is built from, in the spec's order: the order `formatTagMessage` writes
 * them in (records.ts) and the indexes below.
 */
export const RECORD_KEYS = [
  'deployment',
  'target',
  'component',
  'deployed_by',
  'build_id',
  'git_sha',
  'timestamp',
  'status',
  'promoted_from',
  'promoted_at',
  'metadata',
  'rollback_of',
  'policy_sha',
] as const satisfies ReadonlyArray<keyof DeploymentRecord>;
const KNOWN = RECORD_KEYS;
const [DEPLOYMENT, TARGET, COMPONENT, DEPLOYED_BY, BUILD_ID, GIT_SHA, TIMESTAMP, STATUS] = [
  0, 1, 2, 3, 4, 5, 6, 7,
];
const [PROMOTED_FROM, PROMOTED_AT, METADATA, ROLLBACK_OF, POLICY_SHA] = [8, 9, 10, 11, 12];
const REQUIRED = [DEPLOYMENT, TARGET, COMPONENT, GIT_SHA, TIMESTAMP, STATUS];

/** Character classes of the ASCII range, as bits of one table. */
const KEY_START = 1;
const KEY_CHAR = 2;
/** What a plain scalar may start with (`-` only before more text, checked apart). */
const PLAIN_FIRST = 4;
/** What a plain scalar may hold after its first character (`:` only before more text). */
const PLAIN_CHAR = 8;
// The table spans every UTF-16 code unit, so a lookup needs no range check first.
const CLASSES = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  if (/[A-Za-z_]/.test(ch)) CLASSES[c] |= KEY_START;
  if (alnum || ch === '_' || ch === '-') CLASSES[c] |= KEY_CHAR;
  if (alnum || '_./+=~^'.includes(ch)) CLASSES[c] |= PLAIN_FIRST | PLAIN_CHAR;
  if ('@-:'.includes(ch)) CLASSES[c] |= PLAIN_CHAR;
}

const has = (c: number, cls: number) => (CLASSES[c] & cls) !== 0;

const COLON = 58;
const SPACE = 32;
const NEWLINE = 10;

/**
 * The scalar `text[from, to)` when YAML's failsafe schema reads it as exactly its own text, or
 * undefined: a quoted scalar without escapes, or a plain one with no indicator first, no space,
 * `#`, quote, flow character or `: ` anywhere and no `:` last. Line terminators other than `\n`
 * (which a line never holds) put a line outside the layout, as they did for the earlier reader.
 */
function scalar(text: string, from: number, to: number): string | undefined {
  if (from >= to) return undefined;
  const first = text.charCodeAt(from);
  if (first === 34 || first === 39) {
    if (to - from < 2 || text.charCodeAt(to - 1) !== first) return undefined;
    for (let i = from + 1; i < to - 1; i++) {
      const c = text.charCodeAt(i);
      if (c === first || (first === 34 && c === 92) || c === 13 || c === 0x2028 || c === 0x2029)
        return undefined;
    }
    return text.slice(from + 1, to - 1);
  }
  if (!has(first, PLAIN_FIRST) && !(first === 45 && to - from >= 2)) return undefined;
  for (let i = from + 1; i < to; i++) if (!has(text.charCodeAt(i), PLAIN_CHAR)) return undefined;
  if (text.charCodeAt(to - 1) === COLON) return undefined;
  return text.slice(from, to);
}

/** KNOWN by their first character, so a line is compared with three names at most. */
const BY_FIRST: number[][] = [];
KNOWN.forEach((k, i) => (BY_FIRST[k.charCodeAt(0)] ??= []).push(i));

/**
 * Which of KNOWN the line at `from` starts with, followed by its colon, or -1. A name matched
 * there is also what the general scan of key characters would have found, since every name is
 * made of key characters and the colon ends a key; a compare loop is faster here than
 * `startsWith` with a position.
 */
function knownKey(text: string, from: number): number {
  const candidates = BY_FIRST[text.charCodeAt(from)];
  if (candidates === undefined) return -1;
  for (const i of candidates) {
    const name = KNOWN[i];
    if (text.charCodeAt(from + name.length) !== COLON) continue;
    let j = 1;
    while (j < name.length && text.charCodeAt(from + j) === name.charCodeAt(j)) j++;
    if (j === name.length) return i;
  }
  return -1;
}

/**
 * Reads the record in `text[start, end)` (the part after the header). Returns undefined when the
 * text is not in the flat layout (any other line, a duplicate key, an unusual scalar): the caller
 * parses it as YAML then. Returns null when it is in the layout but lacks a required key, which
 * makes it no deployment record.
 */
export function readFlatRecord(
  text: string,
  start: number,
  end: number,
): DeploymentRecord | null | undefined {
  while (end > start && text.charCodeAt(end - 1) === NEWLINE) end--;
  const values: Array<string | undefined> = [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ];
  let seen = 0;
  let others: Set<string> | undefined;
  /** The `metadata:` block while its lines are read, and how many it has had. */
  let open: Record<string, string> | undefined;
  let openCount = 0;
  let metadata: Record<string, string> | undefined;
  for (let pos = start; pos < end;) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    const nested =
      nl - pos >= 2 && text.charCodeAt(pos) === SPACE && text.charCodeAt(pos + 1) === SPACE;
    const keyFrom = nested ? pos + 2 : pos;
    if (keyFrom >= nl) return undefined;
    // A top-level line most often starts with one of the record's keys.
    const known = nested ? -1 : knownKey(text, keyFrom);
    let colon = known >= 0 ? keyFrom + KNOWN[known].length : keyFrom + 1;
    if (known < 0) {
      if (!has(text.charCodeAt(keyFrom), KEY_START)) return undefined;
      while (colon < nl && has(text.charCodeAt(colon), KEY_CHAR)) colon++;
      if (colon >= nl || text.charCodeAt(colon) !== COLON) return undefined;
    }
    // Nothing after the colon (a block follows), or one space and the value.
    const bare = colon + 1 === nl;
    if (!bare && text.charCodeAt(colon + 1) !== SPACE) return undefined;
    const next = nl + 1;
    if (nested) {
      const key = text.slice(keyFrom, colon);
      const value = bare ? undefined : scalar(text, colon + 2, nl);
      if (!open || value === undefined || key === '__proto__' || Object.hasOwn(open, key))
        return undefined;
      open[key] = value;
      openCount++;
      pos = next;
      continue;
    }
    if (open && openCount === 0) return undefined;
    open = undefined;
    if (known >= 0) {
      if (seen & (1 << known)) return undefined;
      seen |= 1 << known;
    } else {
      const key = text.slice(keyFrom, colon);
      if (key === '__proto__' || others?.has(key)) return undefined;
      (others ??= new Set()).add(key);
    }
    if (bare) {
      if (known !== METADATA) return undefined;
      open = metadata = {};
      openCount = 0;
      pos = next;
      continue;
    }
    const value = scalar(text, colon + 2, nl);
    if (value === undefined) return undefined;
    if (known >= 0) values[known] = value;
    pos = next;
  }
  if (open && openCount === 0) return undefined;
  for (const k of REQUIRED) if (values[k] === undefined) return null;
  return {
    deployment: values[DEPLOYMENT]!,
    target: values[TARGET]!,
    component: values[COMPONENT]!,
    deployed_by: values[DEPLOYED_BY] ?? '',
    build_id: values[BUILD_ID] ?? '',
    git_sha: values[GIT_SHA]!,
    timestamp: values[TIMESTAMP]!,
    status: values[STATUS] as RecordStatus,
    promoted_from: values[PROMOTED_FROM],
    promoted_at: values[PROMOTED_AT],
    // A `metadata:` given as one scalar instead of a block is no metadata, as in the YAML path.
    metadata: metadata ?? {},
    rollback_of: values[ROLLBACK_OF],
    policy_sha: values[POLICY_SHA],
  };
}
