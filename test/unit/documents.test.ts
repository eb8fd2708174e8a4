/**
 * What the server's document store keeps of each parse: the current parse whole, the previous
 * one reduced to its model (released before the new text is parsed), and problems that stay the
 * same when a file is validated again without its plain-data value.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DeploymentDocuments, type OpenDocuments } from '../../server/src/lsp/documents';

const URI = 'file:///work/deployments/shop.yaml';

function store(text: string) {
  let doc = TextDocument.create(URI, 'yaml', 1, text);
  const open: OpenDocuments = {
    get: (uri) => (uri === URI ? doc : undefined),
    all: () => [doc],
  };
  const docs = new DeploymentDocuments(open, () => undefined);
  docs.didOpen(URI);
  return {
    docs,
    edit(next: string) {
      doc = TextDocument.create(URI, 'yaml', doc.version + 1, next);
    },
  };
}

const GOOD = `deployment:
  name: shop
  targets:
    dev: {}
    prod:
      promotion:
        from: dev
`;

describe('DeploymentDocuments memory', () => {
  test('a re-parse releases the previous syntax tree and keeps its model as the last good parse', () => {
    const s = store(GOOD);
    const first = s.docs.get(URI)!;
    assert.ok(first.doc, 'the current parse keeps its syntax tree');
    s.edit(`deployment:\n  name: shop\n  targets: [\n`);
    const second = s.docs.get(URI)!;
    assert.notEqual(second, first);
    assert.equal(second.deployment?.targets.length, 0, 'the half-typed text has no targets');
    assert.ok(second.doc, 'the new parse keeps its syntax tree');
    assert.equal(first.doc, undefined, 'the previous syntax tree was released');
    assert.equal(first.value, undefined);
    const lastGood = s.docs.lastGoodParse(URI)!;
    assert.deepEqual(
      lastGood.deployment!.targets.map((t) => t.name),
      ['dev', 'prod'],
    );
    assert.equal(lastGood.deployment!.targets[1].promotion?.from?.value, 'dev');
  });

  test('validating again without the plain-data value gives the same problems', () => {
    const s = store(
      `deployment:\n  name: shop\n  owner: me\n  targets:\n    dev: {}\n    dev: {}\n    prod:\n      promotion:\n        from: nope\n        requires_approval: "maybe"\n`,
    );
    s.docs.refresh(URI);
    const first = s.docs.problems(URI);
    assert.equal(s.docs.get(URI)!.value, undefined, 'the value is released after validation');
    assert.ok(s.docs.get(URI)!.doc, 'the syntax tree stays for the editor features');
    const again = s.docs.problems(URI);
    assert.deepEqual(again, first);
    assert.deepEqual([...new Set(first.map((p) => p.code))].sort(), [
      'duplicate-key',
      'schema',
      'unknown-key',
      'unknown-source',
    ]);
  });
});
