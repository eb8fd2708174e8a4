/**
 * Reading annotated tags as `git for-each-ref` writes them, one row at a time: each row is the
 * tag's name, object, type, the object it points at and that object's type, the tagger's time
 * and the message, separated by NUL bytes (which no tag name, header or message can hold) and
 * ended by a NUL and git's newline. Rows are parsed from the chunks as they arrive, so nothing
 * but the row being read is held.
 */
import type { StreamedTag } from './store';

const FIELDS = [
  '%(refname)',
  '%(objectname)',
  '%(objecttype)',
  '%(*objectname)',
  '%(*objecttype)',
  '%(taggerdate:unix)',
  '%(contents)',
];

/** The `--format` of the rows `tagRows` reads. */
export const TAG_ROW_FORMAT = `${FIELDS.join('%00')}%00`;

/**
 * The tags in git's output, in git's order. Rows are handed on a chunk at a time (an array per
 * chunk of git's output), which keeps the cost per row to a loop step rather than an await.
 */
export async function* tagRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<StreamedTag[]> {
  let rest: Buffer | undefined;
  for await (const chunk of chunks) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const rows: StreamedTag[] = [];
    const ends: number[] = [];
    let start = 0;
    for (;;) {
      // A row is complete once its seven NUL bytes and the newline after them have arrived.
      ends.length = 0;
      let at = start;
      while (ends.length < FIELDS.length) {
        const nul = buf.indexOf(0, at);
        if (nul < 0) break;
        ends.push(nul);
        at = nul + 1;
      }
      if (ends.length < FIELDS.length || at >= buf.length) break;
      rows.push(toTag(buf, start, ends));
      start = buf[at] === 0x0a ? at + 1 : at;
    }
    // The part of a row still to come is copied, so the chunk it came in is not kept alive.
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    if (rows.length) yield rows;
  }
}

function toTag(buf: Buffer, start: number, ends: number[]): StreamedTag {
  const field = (i: number) => buf.toString('utf8', i === 0 ? start : ends[i - 1] + 1, ends[i]);
  const ref = field(0);
  const sha = field(1);
  if (field(2) !== 'tag' || field(4) !== 'commit') return { ref, sha };
  const seconds = field(5);
  return {
    ref,
    sha,
    tag: {
      object: field(3),
      taggedAt: /^\d+$/.test(seconds) ? new Date(Number(seconds) * 1000).toISOString() : undefined,
      message: field(6),
    },
  };
}
