/**
 * The deployment model. Every node carries the source range it came from, set once by the
 * parser, so every face (CLI, language server, extension) points at the same text.
 */
import type { Document } from 'yaml';
import type { Problem } from './problem';

/** A position in a document: zero-based line and UTF-16 column, plus the offset into the text. */
export interface Pos {
  line: number;
  character: number;
  offset: number;
}

export interface SourceRange {
  start: Pos;
  end: Pos;
}

/** A scalar read from the document together with where it stands. */
export interface NameNode {
  value: string;
  range: SourceRange;
}

/** A reference to a source target inside `promotion.from` or `promotion.allowed_from`. */
export interface SourceRef extends NameNode {
  kind: 'from' | 'allowed_from';
  /** For `allowed_from` items, the index in the list. */
  index: number;
}

export interface AllowedFrom {
  keyRange: SourceRange;
  /** The range of the list value (the `[...]` or the block sequence). */
  range: SourceRange;
  /** False when the value is not a list at all (a schema problem, not an empty list). */
  isList: boolean;
  /** The names listed; entries that are not names (`[[dev]]`) are the schema rule's to report. */
  items: SourceRef[];
  /** How many entries the list has, names or not: `[[dev]]` is wrong, but it is not empty. */
  entries: number;
}

export interface Promotion {
  keyRange: SourceRange;
  range: SourceRange;
  from?: SourceRef;
  fromKeyRange?: SourceRange;
  allowedFrom?: AllowedFrom;
  requiresApproval: boolean;
  requiresApprovalRange?: SourceRange;
  /** `review` asks listed approvers for signed approvals (design section 11). */
  approvalMethod: 'manual' | 'review';
  approvalMethodRange?: SourceRange;
  /** `approvers:` when it is a list; its items are the string entries only. */
  approvers?: Approvers;
  /** `min_approvals:` when it is a whole number; absent means the default, 1. */
  minApprovals?: { value: number; range: SourceRange };
}

export interface Approvers {
  keyRange: SourceRange;
  range: SourceRange;
  items: NameNode[];
}

/** How many different listed approvers a review target needs (`min_approvals`, default 1). */
export function requiredApprovals(promotion: Promotion): number {
  return promotion.minApprovals?.value ?? 1;
}

export interface Target {
  name: string;
  keyRange: SourceRange;
  /** The whole `name: {...}` pair, key to end of value. */
  range: SourceRange;
  promotion?: Promotion;
  labels: Record<string, string>;
  /**
   * `context:` and `vars:` as plain data (empty when absent or not a mapping): the deploy step
   * merges them into each component's vars for this target.
   */
  context: Record<string, unknown>;
  vars: Record<string, unknown>;
}

/**
 * One entry of a component's `metadata.depends_on`, written `<type>/<name>` as the PRD does
 * (`terraform/ecr/api`: the type is the first segment, the name the rest).
 */
export interface DependencyRef extends NameNode {
  /** The entry's index in the list. */
  index: number;
  /** The type and name the entry names, when its first segment is a component type. */
  type?: string;
  name?: string;
}

export interface Component {
  name: string;
  /** `terraform`, `helmfile` or `nixpack`. */
  type: string;
  keyRange: SourceRange;
  /** `metadata.depends_on` entries that are strings; others are the schema rule's to report. */
  dependsOn: DependencyRef[];
  /** The component's own `vars:` as plain data (empty when absent or not a mapping). */
  vars: Record<string, unknown>;
}

export interface Deployment {
  name?: NameNode;
  /** The top-level `deployment` key. */
  keyRange: SourceRange;
  description?: string;
  targetsKeyRange?: SourceRange;
  targets: Target[];
  components: Component[];
  /** `stacks:` entries that are strings, in order. */
  stacks: string[];
}

export interface DeploymentFile {
  /** The name the caller gave: a path for the CLI, a URI for the language server. */
  file: string;
  text: string;
  /** True when the top-level key is `deployment:` (design section 2). */
  isDeployment: boolean;
  deployment?: Deployment;
  /** Problems found while parsing (`yaml-syntax`, size limits). */
  problems: Problem[];
  /** The YAML syntax tree, kept for editor features that need node positions. */
  doc?: Document.Parsed;
  /** The document as plain data (aliases expanded within limits), for schema validation. */
  value?: unknown;
  /**
   * Offset from which the YAML is broken and the parse is the parser's guess (see
   * `syntax-errors.ts`); validation reports only syntax errors from there on.
   */
  brokenFrom?: number;
  /** Converts an offset into a position; bound to this text. */
  positionAt(offset: number): Pos;
}

export function sourcesOf(target: Target): SourceRef[] {
  const p = target.promotion;
  if (!p) return [];
  const refs: SourceRef[] = [];
  if (p.from) refs.push(p.from);
  if (p.allowedFrom) refs.push(...p.allowedFrom.items);
  return refs;
}

export function findTarget(deployment: Deployment, name: string): Target | undefined {
  return deployment.targets.find((t) => t.name === name);
}

export function targetNames(deployment: Deployment): string[] {
  return deployment.targets.map((t) => t.name);
}

/** Component names, in declaration order, without repeats (two types may share a name). */
export function componentNames(deployment: Deployment): string[] {
  return [...new Set(deployment.components.map((c) => c.name))];
}

/** The component a `depends_on` entry names, when it exists. */
export function findDependency(deployment: Deployment, ref: DependencyRef): Component | undefined {
  return deployment.components.find((c) => c.type === ref.type && c.name === ref.name);
}

/** The `<type>/<name>` a dependency entry uses for a component. */
export function dependencyId(c: Pick<Component, 'type' | 'name'>): string {
  return `${c.type}/${c.name}`;
}
