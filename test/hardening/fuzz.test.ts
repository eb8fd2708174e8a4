// The npm test slice of the server fuzzing (fuzz.ts): 2,000 generated and mutated deployment
// documents, fixed seed, through the real server over stdio. `npm run fuzz` runs 10,000+.
// Run: node esbuild.mjs && npx tsx --test test/hardening/fuzz.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './fuzz';

test('2,000 fuzzed documents through the server: each answered in bound, ranges inside, server alive', async () => {
  const report = await runFuzz({ seed: 20251124, count: 2000 });
  console.log(`fuzz slice: ${JSON.stringify(report)}`);
  assert.equal(report.documents, 2000);
  // The generator must actually reach the rules, not only the parser.
  for (const code of ['yaml-syntax', 'schema', 'invalid-name', 'unknown-source', 'duplicate-key'])
    assert.ok((report.codes[code] ?? 0) > 0, `no ${code} in ${JSON.stringify(report.codes)}`);
});
