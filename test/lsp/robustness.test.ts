/**
 * Bad input: a stream of random incremental edits (fixed seed) with requests in between, binary
 * and huge files, odd URIs and malformed params. The server must answer everything, never exit,
 * and end with exactly the diagnostics core computes for the final text.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import type { Position } from 'vscode-languageserver-protocol';
import { parseDeploymentFile, validateFile, WorkspaceIndex } from '../../server/src/core';
import { Harness, PAYMENT, SERVER } from './harness';

function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

const PIECES = [
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  ' ',
  '  ',
  '\n',
  '\n    ',
  "'",
  '"',
  '#',
  '&a ',
  '*a',
  '|',
  '>',
  '\t',
  '\u0000',
  '😀',
  'from',
  'allowed_from',
  'dev',
  'staging',
  'prod',
  'promotion',
  'targets',
  'deployment',
  'requires_approval: true',
  '\r\n',
  'é',
];

const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.integer({ min: 0, max: 8 }),
  insert: fc.array(fc.constantFrom(...PIECES), { maxLength: 3 }).map((a) => a.join('')),
  request: fc.constantFrom(
    'none',
    'textDocument/completion',
    'textDocument/hover',
    'textDocument/codeLens',
    'textDocument/documentSymbol',
    'textDocument/foldingRange',
    'textDocument/codeAction',
    'textDocument/definition',
    'textDocument/references',
    'textDocument/prepareRename',
  ),
});

describe('robustness', () => {
  let h: Harness;
  before(async () => {
    const huge = `deployment:\n  name: huge\n  description: "${'x'.repeat(6 * 1024 * 1024)}"\n`;
    h = await Harness.start({
      files: {
        'deployments/binary.yaml': '\u0000\u0001\u0002\uFFFD\u00FF'.repeat(1000),
        'deployments/huge.yaml': huge,
        'deployments/empty.yaml': '',
      },
    });
  });
  after(() => h.stop());

  test('survives 300 random incremental edits and ends in agreement with core', async () => {
    const uri = await h.open('deployments/fuzz.yaml', PAYMENT);
    await h.diagnostics(uri);
    let text = PAYMENT;
    let version = 1;
    const edits = fc.sample(edit, { seed: 20251124, numRuns: 300 });
    const pending: Array<Promise<unknown>> = [];
    for (const e of edits) {
      const start = Math.floor(e.at * text.length);
      const end = Math.min(text.length, start + e.remove);
      const range = { start: positionAt(text, start), end: positionAt(text, end) };
      text = text.slice(0, start) + e.insert + text.slice(end);
      await h.conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range, text: e.insert }],
      });
      if (e.request === 'none') continue;
      const position = positionAt(text, Math.floor(e.at * text.length));
      const params =
        e.request === 'textDocument/codeAction'
          ? {
              textDocument: { uri },
              range: { start: position, end: position },
              context: { diagnostics: [] },
            }
          : e.request === 'textDocument/references'
            ? { textDocument: { uri }, position, context: { includeDeclaration: true } }
            : { textDocument: { uri }, position };
      // prepareRename may refuse with a ResponseError; anything else must resolve.
      pending.push(
        h.request(e.request, params).catch((err: Error) => {
          if (e.request !== 'textDocument/prepareRename') throw err;
        }),
      );
    }
    await Promise.all(pending);
    const seq = h.lastSeq;
    // One more no-op edit makes sure a publish follows the last state.
    await h.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: ++version },
      contentChanges: [{ text }],
    });
    const got = await h.diagnostics(uri, () => true, seq);
    const index = new WorkspaceIndex();
    const file = parseDeploymentFile(text, 'x');
    if (file.isDeployment) index.set(file);
    const expected = validateFile(file, { workspace: index });
    assert.deepEqual(
      got.map((d) => [d.code, d.range.start.line, d.range.start.character]),
      expected.map((p) => [p.code, p.range.start.line, p.range.start.character]),
    );
    assert.equal(h.exited, null);
    assert.equal(
      h.logs.filter((l) => /failed|Uncaught|Unhandled/.test(l)).length,
      0,
      h.logs.join('\n'),
    );
  });

  test('binary, huge and empty files neither crash nor hang the server', async () => {
    const huge = await h.diagnostics(h.uri('deployments/huge.yaml'), (d) => d.length > 0);
    assert.equal(huge[0].code, 'yaml-syntax');
    assert.match(huge[0].message, /above the 5\.0 MB limit/);
    const binary = await h.open('deployments/binary.yaml', '\u0000\u0001\u0002'.repeat(10));
    const r = await h.request('textDocument/hover', {
      textDocument: { uri: binary },
      position: { line: 0, character: 1 },
    });
    assert.equal(r, null);
    assert.equal(h.latest(h.uri('deployments/empty.yaml')), undefined);
  });

  test('odd URIs and malformed params are answered', async () => {
    await h.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: 'untitled:Untitled-1', languageId: 'yaml', version: 1, text: PAYMENT },
    });
    assert.equal(
      await h.request('textDocument/hover', {
        textDocument: { uri: 'untitled:Untitled-1' },
        position: { line: 1, character: 3 },
      }),
      null,
    );
    assert.equal(await h.request('textDocument/hover', {}), null);
    // Resolve hands back what it cannot describe: no data, foreign data, an unknown file.
    for (const item of [
      { label: 'x' },
      { label: 'x', data: 42 },
      { label: 'x', data: { uri: 'file:///nowhere.yaml', target: 'dev' } },
      { label: 'x', data: { uri: {}, target: [] } },
    ])
      assert.deepEqual(await h.request('completionItem/resolve', item), item);
    assert.equal(
      await h.request('textDocument/hover', {
        textDocument: { uri: h.uri('deployments/fuzz.yaml') },
        position: { line: 9999, character: 9999 },
      }),
      null,
    );
    await assert.rejects(h.request('atmosDeployments/planRollout', null), /./);
    const g = await h.request<{ deployment?: unknown }>('atmosDeployments/graph', {
      deployment: 'no-such',
    });
    assert.equal(g.deployment, undefined);
    assert.equal(h.exited, null);
  });
});

test('the server speaks LSP over node IPC too', async () => {
  const child = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.onRequest(() => null);
  conn.listen();
  try {
    const r = await conn.sendRequest<{ capabilities: { hoverProvider?: boolean } }>('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
    });
    assert.equal(r.capabilities.hoverProvider, true);
    await conn.sendRequest('shutdown');
  } finally {
    conn.dispose();
    child.kill();
  }
});
