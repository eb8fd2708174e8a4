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

export const DEFAULT_LIMITS: ParseLimits = {
  maxFileSize: 5 * 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
  maxNodes: 50_000,
};
