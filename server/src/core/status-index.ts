/**
 * The status index: for each target of a deployment, one annotated tag object (under
 * `refs/atmos/index/<d>/<t>`) whose message lists, per component, the SHA its deployment ref
 * points at and the record that put it there. It is derived data, written in the same
 * transaction as the refs and tags it summarises, so that `promotion-status` reads one small
 * object per target instead of scanning every deployment tag (50,000 tags took over a second).
 *
 * The spec's records stay the truth: an entry counts only while its SHA equals the deployment
 * ref's and its tag is the component's newest, and anything the index does not answer is read
 * from the tags as before. Atmos and plain git, which do not write the index, are therefore
 * never misreported, only read slower.
 */

export const INDEX_ROOT = 'refs/atmos/index';
/** First line of the message, so a reader never mistakes another object for an index. */
export const STATUS_INDEX_HEADER = 'atmos-deployments status index v1';

/** What the newest successful record for a component's current SHA says. */
export interface StatusIndexEntry {
  sha: string;
  /** Tag name without `refs/tags/`. */
  tag: string;
  deployed_at?: string;
  deployed_by?: string;
  promoted_from?: string;
  /**
   * The newest tag written for this component when it is not `tag`: a later rollout whose
   * deploy step failed (recorded, ref not moved). Readers trust the entry only while the newest
   * tag they list is this one (or `tag`), so a record written by another tool is never hidden.
   */
  last_tag?: string;
}

export interface StatusIndex {
  deployment: string;
  target: string;
  components: Record<string, StatusIndexEntry>;
}

export function statusIndexRef(deployment: string, target: string): string {
  return `${INDEX_ROOT}/${deployment}/${target}`;
}

export function statusIndexPrefix(deployment: string): string {
  return `${INDEX_ROOT}/${deployment}/`;
}

/** The `tag` header of the index object; it is never a ref under `refs/tags/`. */
export function statusIndexTagName(deployment: string, target: string): string {
  return `atmos-index/${deployment}/${target}`;
}

/** Splits `refs/atmos/index/<d>/<t>`; undefined for anything else. */
export function parseStatusIndexRef(
  ref: string,
): { deployment: string; target: string } | undefined {
  if (!ref.startsWith(`${INDEX_ROOT}/`)) return undefined;
  const parts = ref.slice(INDEX_ROOT.length + 1).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { deployment: parts[0], target: parts[1] };
}

/** The message: the header line, then the index as one JSON document (components sorted). */
export function formatStatusIndex(index: StatusIndex): string {
  const components: Record<string, StatusIndexEntry> = {};
  for (const name of Object.keys(index.components).sort()) {
    const e = index.components[name];
    components[name] = {
      sha: e.sha,
      tag: e.tag,
      ...(e.deployed_at !== undefined ? { deployed_at: e.deployed_at } : {}),
      ...(e.deployed_by !== undefined ? { deployed_by: e.deployed_by } : {}),
      ...(e.promoted_from !== undefined ? { promoted_from: e.promoted_from } : {}),
      ...(e.last_tag !== undefined && e.last_tag !== e.tag ? { last_tag: e.last_tag } : {}),
    };
  }
  const body = { deployment: index.deployment, target: index.target, components };
  return `${STATUS_INDEX_HEADER}\n\n${JSON.stringify(body, null, 1)}\n`;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

const optionalText = (v: unknown): v is string | undefined =>
  v === undefined || typeof v === 'string';

/**
 * Reads an index message back. Never throws: anything that is not an index for this deployment
 * and target, and any entry that is not well formed, is left out, so the caller falls back to
 * the tags for those components.
 */
export function parseStatusIndex(
  message: string,
  deployment: string,
  target: string,
): StatusIndex | undefined {
  if (!message.startsWith(`${STATUS_INDEX_HEADER}\n`)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(message.slice(STATUS_INDEX_HEADER.length + 1));
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (b.deployment !== deployment || b.target !== target) return undefined;
  const raw = b.components;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const components: Record<string, StatusIndexEntry> = Object.create(null) as Record<
    string,
    StatusIndexEntry
  >;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!value || typeof value !== 'object') continue;
    const e = value as Record<string, unknown>;
    if (typeof e.sha !== 'string' || !SHA.test(e.sha) || typeof e.tag !== 'string') continue;
    if (![e.deployed_at, e.deployed_by, e.promoted_from, e.last_tag].every(optionalText)) continue;
    components[name] = {
      sha: e.sha,
      tag: e.tag,
      deployed_at: e.deployed_at as string | undefined,
      deployed_by: e.deployed_by as string | undefined,
      promoted_from: e.promoted_from as string | undefined,
      last_tag: e.last_tag as string | undefined,
    };
  }
  return { deployment, target, components };
}
