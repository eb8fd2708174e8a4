/** `schema`: a value has the wrong type or shape, or a required key is missing. */
import { problem } from '../problem';
import { schemaFindings } from '../schema';
import type { Rule } from './rule';

export const schema: Rule = ({ file }) =>
  schemaFindings(file)
    .filter((f) => f.kind === 'schema')
    .map((f) => problem('schema', file.file, f.range, f.message, f.data ? { data: f.data } : {}));
