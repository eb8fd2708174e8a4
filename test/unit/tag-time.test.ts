// The tagger time of a tag object as history and status read it: isoFromSeconds
// (server/src/git/tag-stream.ts) formats it with a cached day and must write exactly what
// `new Date(seconds * 1000).toISOString()` writes, also across days, out of order and out of
// the four-digit years (fast-check, fixed seed).
// Run: node --import tsx --test test/unit/tag-time.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoFromSeconds, parseTagObject } from '../../server/src/git/tag-stream';

const viaDate = (s: number) => new Date(s * 1000).toISOString();

function same(s: number) {
  let expected: string | Error;
  try {
    expected = viaDate(s);
  } catch (err) {
    expected = err as Error;
  }
  if (expected instanceof Error) assert.throws(() => isoFromSeconds(s), RangeError, String(s));
  else assert.equal(isoFromSeconds(s), expected, String(s));
}

describe('tagger times', () => {
  test('edges: the epoch, day and year boundaries, the end of year 9999 and past it', () => {
    for (const s of [
      0,
      1,
      59,
      60,
      3599,
      3600,
      86399,
      86400,
      86401,
      951782400,
      951868799,
      1735689599,
      1735689600,
      253402300799,
      253402300800,
      8.64e12,
      8.64e12 + 1,
      1e15,
      2 ** 53,
    ])
      same(s);
  });

  test('random times, one after another as a listing reads them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 253402300799 }),
            fc.integer({ min: 1700000000, max: 1700200000 }),
            fc.integer({ min: 253402300700, max: 253402400000 }),
          ),
          { maxLength: 50 },
        ),
        (times) => times.forEach(same),
      ),
      { seed: 20261203, numRuns: 2000 },
    );
  });

  test('parseTagObject gives the tagger time in that form', () => {
    const body = `object ${'a'.repeat(40)}\ntype commit\ntag t\ntagger A <a@x> 1735689600 +0100\n\nmsg\n`;
    assert.equal(parseTagObject(body)?.taggedAt, '2025-01-01T00:00:00.000Z');
  });
});
