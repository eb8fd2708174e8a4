// Parse limits come from settings and flags through one function, and a bad value can never
// switch a protection off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, limitsFrom, validateText } from '../../server/src/core';

describe('limitsFrom', () => {
  it('takes valid numbers and numeric strings, flooring fractions', () => {
    assert.deepEqual(limitsFrom({ maxDepth: 3, maxNodes: '7', maxAliasCount: 2.9 }), {
      ...DEFAULT_LIMITS,
      maxDepth: 3,
      maxNodes: 7,
      maxAliasCount: 2,
    });
  });

  it('keeps the default for missing, zero, negative, non-numeric and infinite values', () => {
    const bad = { maxFileSize: 0, maxDepth: -1, maxNodes: 'lots', maxAliasCount: Infinity };
    assert.deepEqual(limitsFrom(bad), DEFAULT_LIMITS);
    assert.deepEqual(limitsFrom({}), DEFAULT_LIMITS);
  });

  it('is what the parser enforces: a lower depth limit reports the file with the knob to turn', () => {
    const text = 'deployment:\n  name: d\n  targets:\n    dev: {context: {a: {b: {c: 1}}}}\n';
    assert.deepEqual(validateText(text, 'd.yaml'), []);
    const [p] = validateText(text, 'd.yaml', { limits: limitsFrom({ maxDepth: 3 }) });
    assert.equal(p.code, 'yaml-syntax');
    assert.match(p.message, /deeper than 3 levels.*--max-depth.*atmosDeployments\.maxDepth/);
  });
});
