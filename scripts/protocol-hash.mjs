// docs/lsp-extensions.md specifies the custom requests whose types live in
// server/src/protocol/requests.ts (with the view model and settings it re-exports from
// deployment-info.ts and settings.ts), and keeps a hash of those files (as rust-analyzer keeps one of
// lsp/ext.rs in its lsp-extensions.md), so that a change to the protocol cannot land without
// someone looking at its documentation: test/unit/protocol-doc.test.ts fails until they match.
//
//   node scripts/protocol-hash.mjs          prints the hash of requests.ts and whether the doc has it
//   node scripts/protocol-hash.mjs --write  after updating the doc for your change, records the new hash
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROTOCOL_DIR = path.join(root, 'server', 'src', 'protocol');
export const PROTOCOL_FILE = path.join(PROTOCOL_DIR, 'requests.ts');
/** Every file of the protocol the doc specifies: requests.ts and what it re-exports. */
export const PROTOCOL_FILES = ['requests.ts', 'deployment-info.ts', 'settings.ts'].map((f) =>
  path.join(PROTOCOL_DIR, f),
);
export const DOC_FILE = path.join(root, 'docs', 'lsp-extensions.md');
/** The doc's line that holds the hash, inside an HTML comment so it does not render. */
export const HASH_LINE = /^requests\.ts hash: ([0-9a-f]{16})$/m;

/** First 16 hex digits of the SHA-256 of the protocol files, line endings normalised to LF. */
export function protocolHash() {
  const hash = createHash('sha256');
  for (const f of PROTOCOL_FILES) hash.update(readFileSync(f, 'utf8').replace(/\r\n/g, '\n'));
  return hash.digest('hex').slice(0, 16);
}

export function documentedHash() {
  return HASH_LINE.exec(readFileSync(DOC_FILE, 'utf8'))?.[1];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const hash = protocolHash();
  if (process.argv.includes('--write')) {
    const doc = readFileSync(DOC_FILE, 'utf8');
    if (!HASH_LINE.test(doc)) throw new Error(`${DOC_FILE} has no "requests.ts hash:" line`);
    writeFileSync(DOC_FILE, doc.replace(HASH_LINE, `requests.ts hash: ${hash}`));
    console.log(`docs/lsp-extensions.md now records requests.ts hash ${hash}`);
  } else {
    const documented = documentedHash();
    console.log(
      `requests.ts hash: ${hash}; docs/lsp-extensions.md records ${documented ?? 'none'}${documented === hash ? ' (up to date)' : ''}`,
    );
  }
}
