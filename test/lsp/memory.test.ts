/**
 * The server releases parts of a parse to keep its memory down: the previous syntax tree before
 * a re-parse, and the plain-data value after the first validation. These tests check that every
 * feature still answers from what is kept, across edits, re-validations and large files.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  CodeAction,
  CompletionList,
  DocumentSymbol,
  FoldingRange,
  Hover,
} from 'vscode-languageserver-protocol';
import { generateDeployment } from '../../bench/generate';
import { cursor, Harness } from './harness';

const codes = (d: Array<{ code?: unknown }>) => d.map((x) => String(x.code)).sort();

describe('memory: features after the server released parts of a parse', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  test('a file re-validated for another file keeps its schema, unknown-key and duplicate-key problems', async () => {
    const a = `deployment:\n  name: twice\n  owner: me\n  targets:\n    dev: {}\n    dev: {}\n    prod:\n      promotion:\n        from: dev\n        requires_approval: "maybe"\n`;
    const uriA = await h.open('deployments/twice-a.yaml', a);
    const first = await h.diagnostics(uriA, (d) => d.length > 0);
    assert.deepEqual(codes(first), ['duplicate-key', 'schema', 'unknown-key']);
    // A second file with the same name makes the server validate the first one again, from the
    // parse it kept (without the plain-data value it released after the first validation).
    const seq = h.lastSeq;
    const uriB = await h.open('deployments/twice-b.yaml', `deployment:\n  name: twice\n`);
    const again = await h.diagnostics(
      uriA,
      (d) => d.some((x) => x.code === 'duplicate-deployment'),
      seq,
    );
    assert.deepEqual(codes(again), [
      'duplicate-deployment',
      'duplicate-key',
      'schema',
      'unknown-key',
    ]);
    for (const code of ['duplicate-key', 'schema', 'unknown-key'])
      assert.deepEqual(
        again.find((d) => d.code === code),
        first.find((d) => d.code === code),
        code,
      );
    await h.close(uriB);
    await h.close(uriA);
  });

  test('completion, hover, symbols, folding and quick fixes after edits that re-parse the file', async () => {
    const good = `deployment:\n  name: edited\n  targets:\n    dev: {}\n    qa:\n      promotion:\n        from: dev\n    prod:\n      promotion:\n        from: qa\n        allowed_from: [dev]\n`;
    const uri = await h.open('deployments/edited.yaml', good);
    await h.diagnostics(uri, (d) => d.some((x) => x.code === 'promotion-exclusive'));

    // Half-typed: the new parse has no targets, the last good parse (whose syntax tree was
    // released when this text was parsed) answers completion.
    const half = cursor(
      `deployment:\n  name: edited\n  targets:\n    dev: {}\n    qa:\n      promotion:\n        from: |\n    prod: [\n`,
    );
    await h.change(uri, half.text);
    const items = await h.request<CompletionList>('textDocument/completion', {
      textDocument: { uri },
      position: half.position,
    });
    assert.ok(
      items.items.some((i) => i.label === 'dev'),
      JSON.stringify(items.items.map((i) => i.label)),
    );

    // Back to valid text: every feature that reads the syntax tree answers on the new parse.
    const seq = h.lastSeq;
    await h.change(uri, good);
    const diags = await h.diagnostics(
      uri,
      (d) => d.some((x) => x.code === 'promotion-exclusive'),
      seq,
    );
    const diag = diags.find((d) => d.code === 'promotion-exclusive')!;
    const actions = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag] },
    });
    assert.ok(actions.filter((a) => a.edit).length >= 2, JSON.stringify(actions));
    const hover = await h.request<Hover>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 4, character: 5 },
    });
    assert.match(JSON.stringify(hover?.contents), /qa/);
    const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri },
    });
    assert.match(JSON.stringify(symbols), /"prod"/);
    const folds = await h.request<FoldingRange[]>('textDocument/foldingRange', {
      textDocument: { uri },
    });
    assert.ok(folds.length > 0);
    await h.close(uri);
  });

  test('a large file (above the size that triggers a collection) is validated and edited', async () => {
    const file = generateDeployment({ name: 'large', targets: 2000, withWarning: true });
    assert.ok(file.text.length >= 256 * 1024, `${file.text.length} characters`);
    const uri = await h.open('deployments/large.yaml', file.text);
    const first = await h.diagnostics(uri, (d) => d.length > 0, 0, 60_000);
    assert.deepEqual(codes(first), ['unknown-key']);
    const seq = h.lastSeq;
    await h.change(uri, file.text.replace('  owner: bench\n', ''));
    const clean = await h.diagnostics(uri, (d) => d.length === 0, seq, 60_000);
    assert.deepEqual(clean, []);
    const mid = file.targets[1000].name;
    const line = file.text.split('\n').findIndex((l) => l === `    ${mid}:`);
    const hover = await h.request<Hover>('textDocument/hover', {
      textDocument: { uri },
      position: { line, character: 5 },
    });
    assert.match(JSON.stringify(hover?.contents), new RegExp(mid));
    assert.equal(h.exited, null, h.stderr);
    await h.close(uri);
  });
});
