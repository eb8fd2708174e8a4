/**
 * Fuzzing the real language server: generated deployment documents (fast-check), serialised,
 * then mutated (lines dropped, duplicated or swapped; hostile fragments inserted), streamed
 * to `node dist/server.js --stdio` as incremental didChange edits of one open document. For
 * every document the server must publish diagnostics within a bound, every range inside the
 * document; afterwards it must still answer, and agree with the core on the last text.
 * Used by fuzz.test.ts (fixed seed, `npm test`) and fuzz-long.ts (`npm run fuzz`).
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Diagnostic, DocumentSymbol } from 'vscode-languageserver-protocol';
import { parseDeploymentFile, validateFile, WorkspaceIndex } from '../../server/src/core';
import { Harness } from '../lsp/harness';
import { assertDiagnosticsInside, assertSymbolsValid, memoryMb } from './checks';

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Bound for one document's diagnostics, from the edit to the publish. */
  perDocumentMs?: number;
  progress?: (done: number) => void;
}

export interface FuzzReport {
  seed: number;
  documents: number;
  diagnostics: number;
  codes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  totalMs: number;
  peakRssMb: number;
}

const nameArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('dev', 'qa', 'staging', 'canary', 'prod', 'hotfix') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '../../heads/main',
      '--upload-pack=touch pwned',
      '$(touch pwned)',
      'HEAD',
      'a\u202Eb',
      '\u200B',
      '<img src=x onerror=alert(1)>',
      'x.lock',
      'a b',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }) },
);

const scalarArb = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.constant(null),
  fc.string({ maxLength: 10 }),
);

const promotionArb = fc.record(
  {
    from: fc.oneof(nameArb, scalarArb),
    allowed_from: fc.oneof(fc.array(nameArb, { maxLength: 4 }), scalarArb),
    requires_approval: fc.oneof(fc.boolean(), scalarArb),
    approval_method: fc.constantFrom('manual', 'auto', 1),
  },
  { requiredKeys: [] },
);

const targetArb = fc.record(
  {
    labels: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), {
      maxKeys: 3,
    }),
    promotion: fc.oneof({ weight: 4, arbitrary: promotionArb }, scalarArb),
    vars: fc.dictionary(fc.string({ maxLength: 6 }), scalarArb, { maxKeys: 2 }),
    bogus: scalarArb,
  },
  { requiredKeys: [] },
);

const deploymentArb = fc.record({
  deployment: fc.record(
    {
      name: fc.oneof(nameArb, scalarArb),
      description: fc.string({ maxLength: 20 }),
      components: fc.record(
        {
          terraform: fc.dictionary(nameArb, fc.constant({}), { maxKeys: 4 }),
          helmfile: fc.dictionary(
            fc.stringMatching(/^[a-z]{1,4}(\/[a-z]{1,4})?$/),
            fc.constant({}),
            {
              maxKeys: 3,
            },
          ),
        },
        { requiredKeys: [] },
      ),
      targets: fc.oneof(
        {
          weight: 8,
          arbitrary: fc.dictionary(nameArb, fc.oneof(targetArb, scalarArb), { maxKeys: 7 }),
        },
        { weight: 1, arbitrary: scalarArb },
      ),
    },
    { requiredKeys: ['name'] },
  ),
});

/** Fragments that stress the parser when spliced in anywhere. */
const FRAGMENTS = [
  '\t',
  '\r\n',
  '\r',
  '\uFEFF',
  '\u0000',
  '\uD800',
  '&a ',
  '*a',
  '<<: *a\n',
  '---\n',
  '...\n',
  '[',
  '{',
  ']',
  '}',
  ': ',
  '- ',
  '"',
  "'",
  '#',
  '!!binary ',
  '? ',
  '|\n',
  '>-\n',
  '    staging:\n      promotion:\n        from: prod\n',
  '    prod:\n      promotion: {from: staging, allowed_from: [dev]}\n',
];

const mutationArb = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8, unit: 'binary' })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('dupLine' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('dropLine' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = Math.floor(m.at * text.length);
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'dupLine':
    case 'dropLine': {
      const lines = text.split('\n');
      const i = Math.floor(m.at * lines.length);
      if (m.kind === 'dupLine') lines.splice(i, 0, lines[i] ?? '');
      else lines.splice(i, 1);
      return lines.join('\n');
    }
  }
}

export const documentArb = fc
  .tuple(deploymentArb, fc.array(mutationArb, { maxLength: 6 }), fc.boolean())
  .map(([doc, mutations, crlf]) => {
    let text = stringify(doc);
    for (const m of mutations) text = mutate(text, m);
    return crlf ? text.replace(/\n/g, '\r\n') : text;
  });

/** LSP position of an offset (lines end at \r\n, \r or \n, as the server counts them). */
function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      start = i + 1;
    }
  }
  return { line, character: offset - start };
}

/** One range edit turning `a` into `b`: the span between their common prefix and suffix. */
function diffEdit(a: string, b: string) {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  // Never split \r\n: the server would see a different line structure than we do.
  if (p > 0 && a[p - 1] === '\r') p--;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  if (s > 0 && a[a.length - s] === '\n') s--;
  return {
    range: { start: positionAt(a, p), end: positionAt(a, a.length - s) },
    text: b.slice(p, b.length - s),
  };
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const bound = o.perDocumentMs ?? 5000;
  const docs = fc.sample(documentArb, { seed: o.seed, numRuns: o.count });
  const h = await Harness.start({ initializationOptions: { debounceMs: 0 } });
  const started = performance.now();
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  let diagnostics = 0;
  let peakRssMb = 0;
  try {
    let text = 'deployment:\n  name: fuzz\n';
    const uri = await h.open('deployments/fuzz.yaml', text, { onDisk: false });
    await h.diagnostics(uri);
    let version = 1;
    for (let i = 0; i < docs.length; i++) {
      const next = docs[i];
      const t0 = performance.now();
      const edit = diffEdit(text, next);
      await h.conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [edit],
      });
      text = next;
      let got: Diagnostic[];
      try {
        // Matched by version: a late publish for an earlier text (the start-up re-validation,
        // say) must not be taken as the answer to this edit.
        got = await h.diagnosticsFor(uri, version, bound);
      } catch (err) {
        throw new Error(
          `document ${i} (seed ${o.seed}): ${(err as Error).message}\n${JSON.stringify(text)}`,
        );
      }
      latencies.push(performance.now() - t0);
      try {
        assertDiagnosticsInside(uri, text, got);
      } catch (err) {
        throw new Error(
          `document ${i} (seed ${o.seed}): ${(err as Error).message}\n${JSON.stringify(text)}`,
        );
      }
      diagnostics += got.length;
      for (const d of got) codes[String(d.code)] = (codes[String(d.code)] ?? 0) + 1;
      if (i % 100 === 0) {
        peakRssMb = Math.max(peakRssMb, memoryMb(h.child.pid!).peak);
        o.progress?.(i);
      }
    }
    // Still answering, and in agreement with the core on the last text: the incremental edits
    // left the server with exactly the text we hold.
    assertSymbolsValid(
      text,
      await h.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } }),
    );
    await h.request('textDocument/hover', {
      textDocument: { uri },
      position: { line: 0, character: 2 },
    });
    const last = h.latest(uri) ?? [];
    const file = parseDeploymentFile(text, uri);
    const index = new WorkspaceIndex();
    if (file.isDeployment) index.set(file);
    const expected = validateFile(file, { workspace: index });
    const key = (c: unknown, l: number, ch: number) => `${String(c)}@${l}:${ch}`;
    const want = expected.map((p) => key(p.code, p.range.start.line, p.range.start.character));
    const have = last.map((d) => key(d.code, d.range.start.line, d.range.start.character));
    if (JSON.stringify(have) !== JSON.stringify(want))
      throw new Error(`server and core disagree on the last document: ${have} vs ${want}`);
    if (h.exited !== null) throw new Error(`server exited: ${h.stderr}`);
    const failures = h.logs.filter((l) => /failed|Uncaught|Unhandled/.test(l));
    if (failures.length) throw new Error(`server logged failures:\n${failures.join('\n')}`);
  } finally {
    await h.stop();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    seed: o.seed,
    documents: docs.length,
    diagnostics,
    codes,
    p50Ms: Math.round(percentile(sorted, 0.5)),
    p99Ms: Math.round(percentile(sorted, 0.99)),
    maxMs: Math.round(sorted[sorted.length - 1] ?? 0),
    totalMs: Math.round(performance.now() - started),
    peakRssMb: Math.round(peakRssMb),
  };
}
