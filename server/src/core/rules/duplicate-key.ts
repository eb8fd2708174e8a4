/** `duplicate-key`: a mapping repeats a key; YAML would silently keep only the last one. */
import { displayName } from '../names';
import { isMap, isPair, isSeq } from '../yaml-api';
import type { Node, YAMLMap } from 'yaml';
import { scalarString } from '../parse';
import { problem, type Problem } from '../problem';
import { rangeOf } from '../text';
import type { Rule } from './rule';

/**
 * Every mapping in the document is checked with the key node of the pair it is the value of
 * (the `targets` key for the targets mapping). A plain walk with its own stack: yaml's `visit`
 * builds a frozen path array for every node, which made this rule most of the validation time
 * on large files (about 14 of 20 ms at 1,000 targets), and a stack keeps deep nesting off the
 * call stack. Each mapping is checked as the walk reaches it, in the order a list of them
 * would have been.
 */
export const duplicateKey: Rule = ({ file }) => {
  const out: Problem[] = [];
  if (!file.doc) return out;
  const at = (n: Node) => rangeOf(file.positionAt, n.range![0], n.range![1]);
  const stack: unknown[] = [file.doc.contents, undefined];
  while (stack.length) {
    const parentKey = stack.pop();
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item, undefined);
      continue;
    }
    if (!isMap(node)) continue;
    for (const pair of node.items) stack.push(pair.key, undefined, pair.value, pair.key);
    // Most mappings have a handful of keys and no repeats; the set of names is only built
    // where there is a repeat.
    if (node.items.length < 2 || !hasRepeat(node)) continue;
    const first = new Map<string, Node>();
    for (const pair of node.items) {
      const name = scalarString(pair.key);
      const keyNode = pair.key as Node | null;
      if (name === undefined || !keyNode?.range) continue;
      const prev = first.get(name);
      if (!prev) {
        first.set(name, keyNode);
        continue;
      }
      const line = at(prev).start.line + 1;
      const message =
        scalarString(parentKey) === 'targets'
          ? `Target '${displayName(name)}' is defined twice (first at line ${line}). Rename or remove one; YAML keeps only the last.`
          : `Key '${displayName(name)}' appears twice in this mapping (first at line ${line}). Remove one; YAML keeps only the last.`;
      out.push(
        problem('duplicate-key', file.file, at(keyNode), message, {
          related: [{ file: file.file, range: at(prev), message: `first '${displayName(name)}'` }],
          data: { key: name },
        }),
      );
    }
  }
  return out;
};

/** The names of one mapping's keys, reused from mapping to mapping. */
const names: Array<string | undefined> = [];

/**
 * True when two keys of the mapping have the same name (a key without a range is never
 * reported, so it does not count). Compares every pair of names: cheaper than building a set
 * for the few keys most mappings have.
 */
function hasRepeat(map: YAMLMap): boolean {
  const items = map.items;
  if (items.length > 32) return true;
  names.length = 0;
  for (const pair of items) {
    const keyNode = pair.key as Node | null;
    names.push(keyNode?.range ? scalarString(keyNode) : undefined);
  }
  for (let i = 1; i < names.length; i++) {
    const a = names[i];
    if (a === undefined) continue;
    for (let j = 0; j < i; j++) if (names[j] === a) return true;
  }
  return false;
}
