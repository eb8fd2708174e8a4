/** Assertions shared by the hardening tests: ranges inside documents, server memory. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Diagnostic, DocumentSymbol, Range } from 'vscode-languageserver-protocol';

/** Line lengths of a text as LSP counts lines (\r\n, \r and \n all end a line). */
export function lineLengths(text: string): number[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.length);
}

/** Asserts a range lies inside a document with these line lengths, start before end. */
export function assertRangeInside(lines: number[], r: Range, what: string): void {
  for (const p of [r.start, r.end]) {
    assert.ok(
      Number.isInteger(p.line) && p.line >= 0 && p.line < lines.length,
      `${what}: line ${p.line} outside a ${lines.length}-line document`,
    );
    assert.ok(
      Number.isInteger(p.character) && p.character >= 0 && p.character <= lines[p.line],
      `${what}: character ${p.character} outside line ${p.line} (length ${lines[p.line]})`,
    );
  }
  const before =
    r.start.line < r.end.line ||
    (r.start.line === r.end.line && r.start.character <= r.end.character);
  assert.ok(before, `${what}: start after end`);
}

/** Every diagnostic (and related location in the same document) lies inside the text. */
export function assertDiagnosticsInside(
  uri: string,
  text: string,
  diagnostics: Diagnostic[],
): void {
  const lines = lineLengths(text);
  for (const d of diagnostics) {
    assertRangeInside(lines, d.range, `${String(d.code)} "${d.message.slice(0, 80)}"`);
    for (const rel of d.relatedInformation ?? [])
      if (rel.location.uri === uri)
        assertRangeInside(lines, rel.location.range, `${String(d.code)} related`);
    assert.ok(d.message.length > 0, 'a diagnostic without a message');
    assert.doesNotMatch(d.message, /Internal error/);
  }
}

/** True when range `inner` lies within range `outer` (ends included). */
function within(inner: Range, outer: Range): boolean {
  const le = (a: Range['start'], b: Range['start']) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

/**
 * Every document symbol is one VS Code accepts: inside the text, its selectionRange within its
 * range (VS Code rejects the whole answer otherwise), and its children within it.
 */
export function assertSymbolsValid(text: string, symbols: DocumentSymbol[]): void {
  const lines = lineLengths(text);
  const check = (s: DocumentSymbol, parent?: DocumentSymbol) => {
    assertRangeInside(lines, s.range, `symbol ${s.name} range`);
    assertRangeInside(lines, s.selectionRange, `symbol ${s.name} selectionRange`);
    assert.ok(
      within(s.selectionRange, s.range),
      `symbol ${s.name}: selectionRange ${JSON.stringify(s.selectionRange)} outside its range ${JSON.stringify(s.range)}`,
    );
    if (parent)
      assert.ok(
        within(s.range, parent.range),
        `symbol ${s.name} outside its parent ${parent.name}`,
      );
    for (const c of s.children ?? []) check(c, s);
  };
  symbols.forEach((s) => check(s));
}

/** Resident and peak resident memory of a process, in MB, from /proc/<pid>/status. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
