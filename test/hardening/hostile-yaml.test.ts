// Hostile YAML through the core and through the real built language server over stdio: every
// case answers within a bound, with a diagnostic that says what is wrong, the server's memory
// stays bounded, and the server still answers afterwards.
// Run: node esbuild.mjs && npx tsx --test test/hardening/hostile-yaml.test.ts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { validateText } from '../../server/src/core';
import { Harness, PAYMENT } from '../lsp/harness';
import { assertDiagnosticsInside, memoryMb } from './checks';
import { HOSTILE, type HostileCase } from './hostile-inputs';

/** The server gets the core's budget plus the cost of moving the text over JSON-RPC. */
const SERVER_EXTRA_MS = 10000;
/** Peak resident memory allowed for the server across every case, 50 MB file included. */
const MAX_SERVER_PEAK_MB = 1024;

function expectCase(c: HostileCase, got: Array<{ code: string; message: string; line: number }>) {
  const codes = new Set(got.map((g) => g.code));
  if (c.codes.length === 0) assert.deepEqual(got, [], `${c.name}: expected no diagnostics`);
  for (const code of c.codes)
    assert.ok(codes.has(code), `${c.name}: expected ${code}, got ${JSON.stringify(got)}`);
  if (c.message)
    assert.ok(
      got.some((g) => c.message!.test(g.message)),
      `${c.name}: no message matches ${c.message}: ${JSON.stringify(got.slice(0, 3))}`,
    );
  if (c.line !== undefined)
    assert.ok(
      got.some((g) => g.code === c.codes[0] && g.line === c.line),
      `${c.name}: no ${c.codes[0]} on line ${c.line}: ${JSON.stringify(got.slice(0, 3))}`,
    );
}

describe('hostile YAML through the core', () => {
  for (const c of HOSTILE) {
    test(c.name, () => {
      const text = c.text();
      const started = performance.now();
      const problems = validateText(text, 'deployments/hostile.yaml');
      const ms = performance.now() - started;
      assert.ok(ms < c.coreMs, `${c.name}: ${ms.toFixed(0)} ms, bound ${c.coreMs} ms`);
      expectCase(
        c,
        problems.map((p) => ({ code: p.code, message: p.message, line: p.range.start.line })),
      );
      // Output is bounded too: every problem is sent to the editor on each keystroke.
      assert.ok(problems.length <= 20_000, `${c.name}: ${problems.length} problems`);
    });
  }
});

describe('hostile YAML through the language server (stdio)', () => {
  let h: Harness;
  let peak = 0;
  before(async () => {
    h = await Harness.start({ initializationOptions: { debounceMs: 0 } });
  });
  after(async () => {
    await h?.stop();
  });

  HOSTILE.forEach((c, i) => {
    test(c.name, async () => {
      const text = c.text();
      const seq = h.lastSeq;
      const started = performance.now();
      const uri = await h.open(`deployments/hostile-${i}.yaml`, text, { onDisk: false });
      const bound = c.coreMs + SERVER_EXTRA_MS;
      const diagnostics = await h.diagnostics(uri, () => true, seq, bound);
      const ms = performance.now() - started;
      assert.ok(ms < bound, `${c.name}: answered in ${ms.toFixed(0)} ms, bound ${bound} ms`);
      expectCase(
        c,
        diagnostics.map((d) => ({
          code: String(d.code),
          message: d.message,
          line: d.range.start.line,
        })),
      );
      assertDiagnosticsInside(uri, text, diagnostics);
      await h.close(uri);
      const mem = memoryMb(h.child.pid!);
      peak = Math.max(peak, mem.peak);
      assert.ok(
        mem.peak < MAX_SERVER_PEAK_MB,
        `${c.name}: server peak RSS ${mem.peak.toFixed(0)} MB`,
      );
      assert.equal(h.exited, null, `server exited: ${h.stderr}`);
    });
  });

  test('the server still answers, with every hostile document behind it', async () => {
    const uri = await h.open('deployments/payment.yaml', PAYMENT);
    const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri },
    });
    const names = JSON.stringify(symbols);
    for (const name of ['payment-service', 'dev', 'staging', 'prod'])
      assert.ok(names.includes(`"${name}"`), `documentSymbol lacks ${name}: ${names}`);
    assert.equal(h.exited, null);
    assert.doesNotMatch(h.stderr, /FATAL|heap out of memory/i);
    console.log(`hostile YAML: server peak RSS ${peak.toFixed(0)} MB`);
  });

  test('maxFileSize is configurable: a 1.5 MB file over a 1 MB limit is reported, not parsed', async () => {
    h.settings = { maxFileSize: 1024 * 1024 };
    await h.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    const text = `deployment:\n  name: sized\n  description: "${'z'.repeat(1.5 * 1024 * 1024)}"\n`;
    const seq = h.lastSeq;
    const uri = await h.open('deployments/sized.yaml', text, { onDisk: false });
    const d = await h.diagnostics(uri, (l) => l.length > 0, seq, 15000);
    assert.equal(d.length, 1);
    assert.equal(d[0].code, 'yaml-syntax');
    assert.match(d[0].message, /File is 1\.5 MB, above the 1\.0 MB limit/);
    h.settings = {};
  });
});
