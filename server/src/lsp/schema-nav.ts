/**
 * Walks the deployment JSON schema along a path of keys, for key and value completion and for
 * hover on keys. The schema is the one core validates with, so descriptions never drift.
 */
import { deploymentSchema } from '../core';

export interface SchemaNode {
  description?: string;
  markdownDescription?: string;
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: string[];
  $ref?: string;
}

const root = deploymentSchema as SchemaNode;

function resolve(node: SchemaNode | undefined, depth = 0): SchemaNode | undefined {
  if (!node?.$ref || depth > 8) return node;
  const m = /^#\/\$defs\/(.+)$/.exec(node.$ref);
  const defs = (root as { $defs?: Record<string, SchemaNode> }).$defs ?? {};
  const target = m ? resolve(defs[m[1]], depth + 1) : undefined;
  const { $ref: _ref, ...own } = node;
  return { ...target, ...own };
}

/** The schema of the value at `path`, or undefined when the schema does not describe it. */
export function schemaAt(path: string[]): SchemaNode | undefined {
  let node = resolve(root);
  for (const key of path) {
    if (!node) return undefined;
    const next =
      node.properties?.[key] ??
      (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    node = resolve(next);
  }
  return node;
}

export function describe(node: SchemaNode | undefined): string | undefined {
  return node?.markdownDescription ?? node?.description;
}

export function typeText(node: SchemaNode | undefined): string | undefined {
  const t = node?.type;
  if (!t) return undefined;
  return Array.isArray(t) ? t.filter((x) => x !== 'null').join(' | ') : t;
}
