/**
 * The outline on files that parse but repeat keys. VS Code throws away the whole
 * documentSymbol answer when one symbol's selectionRange is outside its range, so Outline and
 * breadcrumbs go blank: two `staging:` blocks did that. Every request must answer on any text
 * the parser accepts, and every symbol must be well formed; checked on the file and on
 * generated files full of repeated names, through the real server over stdio.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { DocumentSymbol, FoldingRange, Position } from 'vscode-languageserver-protocol';
import { assertRangeInside, assertSymbolsValid, lineLengths } from '../hardening/checks';
import { Harness } from './harness';

const TWO_STAGING = `deployment:
  name: pay
  components:
    terraform:
      api: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
    staging:
      promotion:
        from: dev
        requires_approval: true
`;

const POSITION_REQUESTS = [
  'textDocument/completion',
  'textDocument/hover',
  'textDocument/definition',
  'textDocument/references',
  'textDocument/prepareRename',
  'textDocument/rename',
  'textDocument/codeAction',
];

function params(method: string, uri: string, position: Position): unknown {
  if (method === 'textDocument/codeAction')
    return {
      textDocument: { uri },
      range: { start: position, end: position },
      context: { diagnostics: [] },
    };
  if (method === 'textDocument/references')
    return { textDocument: { uri }, position, context: { includeDeclaration: true } };
  if (method === 'textDocument/rename') return { textDocument: { uri }, position, newName: 'qa' };
  return { textDocument: { uri }, position };
}

/** Asks for the outline, folding and lenses, and checks each answer against the text. */
async function documentRequests(h: Harness, uri: string, text: string): Promise<DocumentSymbol[]> {
  const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', {
    textDocument: { uri },
  });
  assertSymbolsValid(text, symbols);
  const lines = lineLengths(text);
  const folds = await h.request<FoldingRange[]>('textDocument/foldingRange', {
    textDocument: { uri },
  });
  for (const f of folds) assert.ok(f.startLine < f.endLine && f.endLine < lines.length);
  const lenses = await h.request<Array<{ range: Parameters<typeof assertRangeInside>[1] }>>(
    'textDocument/codeLens',
    { textDocument: { uri } },
  );
  for (const l of lenses) assertRangeInside(lines, l.range, 'code lens');
  return symbols;
}

describe('outline and requests on repeated keys', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  test('two staging blocks: the outline answers, with each block its own symbol', async () => {
    const uri = await h.open('deployments/pay.yaml', TWO_STAGING);
    await h.diagnostics(uri);
    const [d] = await documentRequests(h, uri, TWO_STAGING);
    const targets = d.children!.find((c) => c.name === 'targets')!;
    assert.deepEqual(
      targets.children!.map((c) => [c.name, c.range.start.line, c.range.end.line]),
      [
        ['dev', 6, 6],
        ['staging', 7, 9],
        ['prod', 10, 12],
        ['staging', 13, 16],
      ],
    );
  });

  test('two staging blocks: every request answers at every key', async () => {
    const uri = await h.open('deployments/pay2.yaml', TWO_STAGING.replace('pay', 'pay2'));
    const text = TWO_STAGING.replace('pay', 'pay2');
    await h.diagnostics(uri);
    const lines = text.split('\n');
    for (const [line, l] of lines.entries()) {
      const key = /\S/.exec(l);
      if (!key) continue;
      for (const character of [key.index, key.index + 2, l.length]) {
        for (const method of POSITION_REQUESTS) {
          await h.request(method, params(method, uri, { line, character })).catch((err: Error) => {
            // Rename and prepareRename refuse positions that are not target names, by contract.
            if (!/rename/i.test(method))
              throw new Error(`${method} at ${line}:${character}: ${err.message}`);
          });
        }
      }
    }
  });

  test('300 generated files with repeated targets, components and sections', async () => {
    const name = fc.constantFrom('dev', 'staging', 'prod');
    const target = fc.oneof(
      name.map((n) => `    ${n}: {}`),
      fc.tuple(name, name).map(([n, s]) => `    ${n}:\n      promotion:\n        from: ${s}`),
      fc.tuple(name, name).map(([n, s]) => `    ${n}: {promotion: {allowed_from: [${s}]}}`),
      name.map((n) => `    ${n}: &t\n      labels: {a: b}`),
      name.map((n) => `    ${n}: *t`),
    );
    const component = fc
      .tuple(fc.constantFrom('terraform', 'helmfile'), fc.constantFrom('api', 'db', 'api/x'))
      .map(([type, c]) => `  components:\n    ${type}:\n      ${c}: {}`);
    const section = fc.oneof(
      fc.array(target, { minLength: 1, maxLength: 5 }).map((t) => `  targets:\n${t.join('\n')}`),
      component,
      fc.constantFrom(
        '  name: pay',
        '  name: other',
        '  description: d',
        // Targets read through an alias have their keys where the anchor is.
        '  labels: &t {dev: {}, qa: {}}',
        '  targets: *t',
      ),
    );
    const doc = fc
      .array(section, { minLength: 1, maxLength: 5 })
      .map((s) => `deployment:\n  name: gen\n${s.join('\n')}\n`);
    const uri = await h.open('deployments/gen.yaml', 'deployment:\n  name: gen\n');
    // The server parses an open document's latest text when a request needs it, so the
    // requests see each text without waiting for its (debounced) diagnostics.
    for (const text of fc.sample(doc, { seed: 16, numRuns: 300 })) {
      await h.change(uri, text);
      try {
        await documentRequests(h, uri, text);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${text}`);
      }
    }
  });
});
