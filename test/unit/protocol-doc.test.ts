// The custom requests are specified in docs/lsp-extensions.md, which keeps a hash of
// server/src/protocol/requests.ts (as rust-analyzer does for lsp/ext.rs): a protocol change
// fails here until someone has looked at the doc and recorded the new hash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations.
import { documentedHash, protocolHash } from '../../scripts/protocol-hash.mjs';

test('docs/lsp-extensions.md was updated with server/src/protocol/requests.ts', () => {
  const actual = (protocolHash as () => string)();
  const documented = (documentedHash as () => string | undefined)();
  assert.equal(
    documented,
    actual,
    `server/src/protocol/requests.ts changed (hash ${actual}) but docs/lsp-extensions.md records ${documented ?? 'no hash'}: update the doc's "Custom requests" for the change, then run  node scripts/protocol-hash.mjs --write`,
  );
});
