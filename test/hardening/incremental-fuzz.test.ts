// The npm test slice of the incremental re-parse's differential fuzzing (incremental-fuzz.ts):
// 300 random edit sequences, fixed seed; after every edit the spliced parse must equal a full
// parse. `npm run fuzz` runs 10,000 sequences.
// Run: node --import tsx --test test/hardening/incremental-fuzz.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIncrementalFuzz } from './incremental-fuzz';

test('300 edit sequences: the spliced parse equals a full parse after every edit', () => {
  const report = runIncrementalFuzz(20261203, 300);
  console.log(`incremental fuzz slice: ${JSON.stringify(report)}`);
  assert.equal(report.sequences, 300);
  // The sequences must reach the splice, not only the full parse it falls back to.
  assert.ok(report.spliced >= 150, `only ${report.spliced} of ${report.steps} steps spliced`);
});
