/** `duplicate-key`: a mapping repeats a key; YAML would silently keep only the last one. */
import { displayName } from '../names';
import { isMap, isPair, isSeq } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { scalarString } from '../parse';
import { problem, type Problem } from '../problem';
import { rangeOf } from '../text';
import type { Rule } from './rule';

/**
 * Every mapping in the document with the key node of the pair it is the value of (the
 * `targets` key for the targets mapping). A plain walk with its own stack: yaml's `visit` builds
 * a frozen path array for every node, which made this rule most of the validation time on large
 * files (about 14 of 20 ms at 1,000 targets), and a stack keeps deep nesting off the call stack.
 */
function mappings(root: unknown): Array<{ map: YAMLMap; parentKey: unknown }> {
  const found: Array<{ map: YAMLMap; parentKey: unknown }> = [];
  const stack: unknown[] = [root, undefined];
  while (stack.length) {
    const parentKey = stack.pop();
    const node = stack.pop();
    if (isMap(node)) {
      found.push({ map: node, parentKey });
      for (const pair of node.items) stack.push(pair.key, undefined, pair.value, pair.key);
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item, undefined);
    }
  }
  return found;
}

export const duplicateKey: Rule = ({ file }) => {
  const out: Problem[] = [];
  if (!file.doc) return out;
  const at = (n: Node) => rangeOf(file.positionAt, n.range![0], n.range![1]);
  for (const { map, parentKey } of mappings(file.doc.contents)) {
    // Most mappings have a handful of keys and no repeats; the set of names is only built
    // where it is needed.
    if (map.items.length < 2) continue;
    const first = new Map<string, Node>();
    for (const pair of map.items) {
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
