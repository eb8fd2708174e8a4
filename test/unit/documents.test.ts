/**
 * What the server's document store keeps of each parse: the current parse whole, the previous
 * one reduced to its model (released before the new text is parsed, or taken over by the new
 * parse when an edit inside one target is spliced into it), and problems that stay the same
 * when a file is validated again.
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

  test('an edit inside one target is spliced into the previous parse, whose tree it takes over', () => {
    const text = `deployment:\n  name: shop\n  targets:\n    dev:\n      vars: {a: 1}\n    qa:\n      promotion:\n        from: dev\n    prod:\n      promotion:\n        from: qa\n`;
    const s = store(text);
    const first = s.docs.get(URI)!;
    s.docs.problems(URI);
    const tree = first.doc;
    assert.ok(tree && first.value, 'an open file keeps its tree and value for the next edit');
    s.edit(text.replace('{a: 1}', '{a: 12}'));
    const second = s.docs.get(URI)!;
    assert.notEqual(second, first);
    assert.equal(second.doc, tree, 'the tree was spliced, not built again');
    assert.equal(first.doc, undefined, 'the previous parse gave its tree up');
    assert.deepEqual(second.value, {
      deployment: {
        name: 'shop',
        targets: {
          dev: { vars: { a: 12 } },
          qa: { promotion: { from: 'dev' } },
          prod: { promotion: { from: 'qa' } },
        },
      },
    });
    assert.equal(second.deployment!.targets[2].keyRange.start.offset, text.indexOf('prod') + 1);
    assert.deepEqual(s.docs.problems(URI), []);
  });

  test('validating again gives the same problems', () => {
    const s = store(
      `deployment:\n  name: shop\n  owner: me\n  targets:\n    dev: {}\n    dev: {}\n    prod:\n      promotion:\n        from: nope\n        requires_approval: "maybe"\n`,
    );
    s.docs.refresh(URI);
    const first = s.docs.problems(URI);
    // An open file keeps its plain-data value: the next edit inside one target is spliced into
    // it (core/incremental.ts). A closed file's is released after validation.
    assert.ok(s.docs.get(URI)!.value, 'an open file keeps its value');
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
