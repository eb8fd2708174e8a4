/**
 * Limits that keep parsing bounded on hostile input. They are documented in docs/SECURITY.md
 * and configurable from the CLI and the language server settings.
 */
export interface ParseLimits {
  /** Files larger than this (in UTF-16 code units, about bytes for ASCII) are not parsed. */
  maxFileSize: number;
  /** The most alias expansions one document may need (billion-laughs protection). */
  maxAliasCount: number;
  /** The deepest nesting of collections accepted. */
  maxDepth: number;
  /**
   * The most YAML nodes (keys, values, collections) a deployment is checked with. Schema
   * validation and the cross-target rules grow faster than linearly with hostile shapes (tens
   * of thousands of targets, each with an error), so past this the file is reported, not checked.
   */
  maxNodes: number;
}

export const LIMIT_KEYS = ['maxFileSize', 'maxAliasCount', 'maxDepth', 'maxNodes'] as const;

/**
 * Limits from settings or flags, each checked on its own: a missing or invalid value keeps its
 * default, so a typo in settings.json cannot switch a protection off. Numeric strings count.
 */
export function limitsFrom(input: Partial<Record<keyof ParseLimits, unknown>>): ParseLimits {
  const out: ParseLimits = { ...DEFAULT_LIMITS };
  for (const key of LIMIT_KEYS) {
    const raw = input[key];
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 1)
      out[key] = Math.floor(value);
  }
  return out;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxFileSize: 5 * 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
  maxNodes: 200_000,
};
