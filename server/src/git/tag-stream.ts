/**
 * Reading deployment tags as git lists them: `git for-each-ref` names the tags in order and
 * pipes them into `git cat-file --batch`, whose output (each object after a header naming it
 * and, through `%(rest)`, the ref it was listed under) is parsed from the chunks as they arrive,
 * so nothing but the object being read is held.
 */
import type { StreamedTag, TagObject } from './store';

/** What `for-each-ref` writes for `cat-file` to read: the object, then the ref as `%(rest)`. */
export const REF_LINE_FORMAT = '%(objectname) %(refname)';

/** The header `cat-file` writes before each object. */
export const OBJECT_HEADER_FORMAT = '%(objectname) %(objecttype) %(objectsize) %(rest)';

/**
 * The tags in `cat-file`'s output, in the order they were listed. Tags are handed on a chunk of
 * git's output at a time (an array per chunk), which keeps the cost per tag to a loop step
 * rather than an await.
 */
export async function* tagObjects(chunks: AsyncIterable<Buffer>): AsyncGenerator<StreamedTag[]> {
  let rest: Buffer | undefined;
  for await (const chunk of chunks) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const tags: StreamedTag[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      // The header's fields are found with indexOf rather than split into an array and joined
      // back (the ref may hold spaces): one string fewer per tag of a hundred thousand.
      const header = buf.toString('utf8', start, nl);
      const s1 = header.indexOf(' ');
      const s2 = s1 < 0 ? -1 : header.indexOf(' ', s1 + 1);
      const s3 = s2 < 0 ? -1 : header.indexOf(' ', s2 + 1);
      // A name git cannot find comes back as `<name> missing`, without the custom header.
      if (s3 < 0) {
        start = nl + 1;
        continue;
      }
      const sha = header.slice(0, s1);
      const type = header.slice(s1 + 1, s2);
      const end = nl + 1 + Number(header.slice(s2 + 1, s3));
      // The object and the newline after it must both have arrived.
      if (end >= buf.length) break;
      const ref = header.slice(s3 + 1);
      const tag = type === 'tag' ? parseTagObject(buf.toString('utf8', nl + 1, end)) : undefined;
      tags.push(tag ? { ref, sha, tag } : { ref, sha });
      start = end + 1;
    }
    // The part still to come is copied, so the chunk it came in is not kept alive.
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    if (tags.length) yield tags;
  }
}

/** An annotated tag of a commit, or undefined for any other tag. */
export function parseTagObject(body: string): TagObject | undefined {
  const at = body.indexOf('\n\n');
  const header = at < 0 ? body : body.slice(0, at);
  const object = /^object ([0-9a-f]+)$/m.exec(header)?.[1];
  if (!object || !/^type commit$/m.test(header)) return undefined;
  const when = /^tagger .* (\d+) [+-]\d{4}$/m.exec(header)?.[1];
  return {
    object,
    taggedAt: when ? isoFromSeconds(Number(when)) : undefined,
    message: at < 0 ? '' : body.slice(at + 2),
  };
}

/** The last day isoFromSeconds formatted, and its `YYYY-MM-DDT` text. */
let cachedDay = NaN;
let cachedDayText = '';
/** The last second of year 9999: past it `toISOString` writes a six-digit year. */
const LAST_FOUR_DIGIT_YEAR = 253402300799;

/**
 * `new Date(seconds * 1000).toISOString()`, which took a tenth of `history --limit 0`'s time at
 * a hundred thousand tags: the date part is formatted once per day (tags listed together are
 * mostly of one day) and the time of day by arithmetic. Out of the four-digit years, the Date
 * does it all, and throws as it did.
 */
export function isoFromSeconds(seconds: number): string {
  if (!(seconds >= 0 && seconds <= LAST_FOUR_DIGIT_YEAR && Number.isInteger(seconds)))
    return new Date(seconds * 1000).toISOString();
  const day = Math.floor(seconds / 86400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * 86400000).toISOString().slice(0, 11);
  }
  const inDay = seconds - day * 86400;
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  return `${cachedDayText}${two(Math.floor(inDay / 3600))}:${two(Math.floor(inDay / 60) % 60)}:${two(inDay % 60)}.000Z`;
}
