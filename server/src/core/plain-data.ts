/**
 * A YAML node as plain data, the same value `yaml`'s own `toJS` gives, for the nodes nearly
 * every deployment file is made of: mappings and lists of the core schema with scalar keys and
 * scalar values. `toJS` keeps a context per call (anchors, alias counts, a map per node) that
 * such files never need, and `validate` converts every file once for the schema check and the
 * `vars` and `context` of every target and component again for the model. Anything else (an
 * alias, a key that is a mapping or a list, a tagged or 1.1-schema collection, merge keys, a
 * scalar whose value is not a string, number, boolean or null) gives NOT_PLAIN, and the caller
 * asks `yaml` as before, so the result never differs from it.
 */
import type { Document, Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, YAMLMap, YAMLSeq } from './yaml-api';

export const NOT_PLAIN: unique symbol = Symbol('not plain');

/** The tag `yaml` uses for merge keys (`<<`), which change how a mapping is read. */
const MERGE_TAG = 'tag:yaml.org,2002:merge';

/** True when `doc` reads mappings as this module does: the core schema, without merge keys. */
export function plainSchema(doc: Document): boolean {
  const schema = doc.schema as { name?: string; tags?: Array<{ tag?: string }> } | undefined;
  return schema?.name === 'core' && !(schema.tags ?? []).some((t) => t.tag === MERGE_TAG);
}

/**
 * `node` as `toJS` would give it, or NOT_PLAIN. The caller checks `plainSchema` for the
 * document first. Recursive: the depth is bounded by the parse's depth limit, and a stack
 * overflow on a limit raised very high is caught and answered with NOT_PLAIN.
 */
export function plainData(node: unknown): unknown {
  try {
    return convert(node);
  } catch {
    return NOT_PLAIN;
  }
}

function convert(node: unknown): unknown {
  if (node === null || node === undefined) return node;
  if (isScalar(node)) {
    const v = node.value;
    return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
      ? v
      : NOT_PLAIN;
  }
  if (isAlias(node)) return NOT_PLAIN;
  if (isMap(node)) {
    if (Object.getPrototypeOf(node) !== YAMLMap.prototype) return NOT_PLAIN;
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      let name: string;
      if (key === null || key === undefined) name = '';
      else if (isScalar(key)) {
        const k = key.value;
        if (k === null) name = '';
        else if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean')
          name = String(k);
        else return NOT_PLAIN;
      } else return NOT_PLAIN;
      const value = convert(pair.value);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      // As yaml does: a name the object already answers to (`__proto__`, `toString`) becomes
      // an own property rather than an assignment through the prototype.
      if (name in out)
        Object.defineProperty(out, name, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      else out[name] = value;
    }
    return out;
  }
  if (isSeq(node)) {
    if (Object.getPrototypeOf(node) !== YAMLSeq.prototype) return NOT_PLAIN;
    const out: unknown[] = [];
    for (const item of node.items) {
      if (!(item === null || isScalar(item) || isMap(item) || isSeq(item))) return NOT_PLAIN;
      const value = convert(item);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out.push(value);
    }
    return out;
  }
  return NOT_PLAIN;
}
