/** `duplicate-key`: a mapping repeats a key; YAML would silently keep only the last one. */
import { displayName } from '../names';
import { isPair, visit } from 'yaml';
import type { Node } from 'yaml';
import { scalarString } from '../parse';
import { problem, type Problem } from '../problem';
import { rangeOf } from '../text';
import type { Rule } from './rule';

export const duplicateKey: Rule = ({ file }) => {
  const out: Problem[] = [];
  if (!file.doc) return out;
  const at = (n: Node) => rangeOf(file.positionAt, n.range![0], n.range![1]);
  visit(file.doc, {
    Map(_key, map, path) {
      const first = new Map<string, Node>();
      const parentKey =
        path.length >= 1 && isPair(path[path.length - 1])
          ? scalarString((path[path.length - 1] as { key: unknown }).key)
          : undefined;
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
          parentKey === 'targets'
            ? `Target '${displayName(name)}' is defined twice (first at line ${line}). Rename or remove one; YAML keeps only the last.`
            : `Key '${displayName(name)}' appears twice in this mapping (first at line ${line}). Remove one; YAML keeps only the last.`;
        out.push(
          problem('duplicate-key', file.file, at(keyNode), message, {
            related: [
              { file: file.file, range: at(prev), message: `first '${displayName(name)}'` },
            ],
            data: { key: name },
          }),
        );
      }
    },
  });
  return out;
};
