// Offsets on a line terminator map to the end of that line's content, so no range can point
// one column past a CRLF line's end (found by the long fuzz run, seed 245150747).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { positionFinder } from '../../server/src/core';

describe('positionFinder', () => {
  it('maps the \\r and the \\n of a CRLF line to its end', () => {
    const at = positionFinder('ab\r\ncd');
    assert.deepEqual(at(2), { line: 0, character: 2, offset: 2 });
    assert.deepEqual(at(3), { line: 0, character: 2, offset: 2 });
    assert.deepEqual(at(4), { line: 1, character: 0, offset: 4 });
  });

  it('treats a lone \\r and a lone \\n the same way', () => {
    assert.deepEqual(positionFinder('ab\rcd')(2), { line: 0, character: 2, offset: 2 });
    assert.deepEqual(positionFinder('ab\ncd')(2), { line: 0, character: 2, offset: 2 });
    assert.deepEqual(positionFinder('ab\ncd')(6), { line: 1, character: 2, offset: 5 });
  });
});
