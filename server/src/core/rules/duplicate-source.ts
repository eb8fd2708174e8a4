/** `duplicate-source` (warning): `allowed_from` repeats a target. */
import { displayName } from '../names';
import type { SourceRange } from '../model';
import { problem, type Problem } from '../problem';
import type { Rule } from './rule';

export const duplicateSource: Rule = ({ file, deployment }) => {
  const out: Problem[] = [];
  for (const t of deployment?.targets ?? []) {
    const seen = new Map<string, { range: SourceRange }>();
    for (const item of t.promotion?.allowedFrom?.items ?? []) {
      const prev = seen.get(item.value);
      if (!prev) {
        seen.set(item.value, { range: item.range });
        continue;
      }
      out.push(
        problem(
          'duplicate-source',
          file.file,
          item.range,
          `Target '${displayName(t.name)}': '${displayName(item.value)}' is listed more than once in 'allowed_from'. Remove the repeat.`,
          {
            related: [
              { file: file.file, range: prev.range, message: `first '${displayName(item.value)}'` },
            ],
            data: { target: t.name, source: item.value, index: String(item.index) },
          },
        ),
      );
    }
  }
  return out;
};
