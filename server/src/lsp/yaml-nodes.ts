/**
 * Lookups in the YAML syntax tree that the model does not keep (the full extent of a pair,
 * `context.default_target`), for symbols, folding and code actions.
 */
import { isMap, isScalar, type Document, type Node, type Pair } from 'yaml';
import type { DeploymentFile, SourceRange } from '../core';

/** The pair at a path of keys from the document root, or undefined. */
export function findPair(doc: Document.Parsed | undefined, keys: string[]): Pair | undefined {
  let node: unknown = doc?.contents;
  let pair: Pair | undefined;
  for (const key of keys) {
    if (!isMap(node)) return undefined;
    pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as
      Pair | undefined;
    if (!pair) return undefined;
    node = pair.value;
  }
  return pair;
}

export function nodeRange(file: DeploymentFile, node: unknown): SourceRange | undefined {
  const r = (node as Node | null | undefined)?.range;
  if (!r) return undefined;
  return { start: file.positionAt(r[0]), end: file.positionAt(Math.max(r[0], r[1])) };
}

/** Key start to value end of a pair, with trailing line breaks left out. */
export function pairRange(file: DeploymentFile, pair: Pair): SourceRange | undefined {
  const k = (pair.key as Node | null)?.range;
  if (!k) return undefined;
  const v = (pair.value as Node | null)?.range;
  let end = Math.max(k[1], v?.[1] ?? k[1]);
  while (end > k[0] && /\s/.test(file.text[end - 1])) end--;
  return { start: file.positionAt(k[0]), end: file.positionAt(end) };
}

/** The `context.default_target` value of a deployment, which names a target too. */
export function defaultTarget(
  file: DeploymentFile,
): { value: string; range: SourceRange } | undefined {
  const pair = findPair(file.doc, ['deployment', 'context', 'default_target']);
  if (!pair || !isScalar(pair.value) || typeof pair.value.value !== 'string') return undefined;
  const range = nodeRange(file, pair.value);
  return range ? { value: pair.value.value, range } : undefined;
}
