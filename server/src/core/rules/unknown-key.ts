/** `unknown-key` (warning): a key the schema does not know, with a suggestion when one is close. */
import { problem } from '../problem';
import { schemaFindings } from '../schema';
import type { Rule } from './rule';

export const unknownKey: Rule = ({ file }) =>
  schemaFindings(file)
    .filter((f) => f.kind === 'unknown-key')
    .map((f) =>
      problem('unknown-key', file.file, f.range, f.message, f.data ? { data: f.data } : {}),
    );
