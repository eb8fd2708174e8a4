/**
 * The one place where the engine's types become LSP types. Core ranges carry zero-based lines
 * and UTF-16 columns already, so a range converts field by field; keeping it here means a
 * change of convention (or a client that negotiates another position encoding) touches one file.
 */
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Location,
  type Position,
  type Range,
} from 'vscode-languageserver';
import type { Problem, SourceRange } from '../core';

export const DIAGNOSTIC_SOURCE = 'atmos-deployments';

export function toPosition(p: { line: number; character: number }): Position {
  return { line: p.line, character: p.character };
}

export function toRange(r: SourceRange): Range {
  return { start: toPosition(r.start), end: toPosition(r.end) };
}

export function toLocation(uri: string, r: SourceRange): Location {
  return { uri, range: toRange(r) };
}

/** A problem as an LSP diagnostic: same code and message as the CLI, with the fix data attached. */
export function toDiagnostic(p: Problem): Diagnostic {
  const related: DiagnosticRelatedInformation[] | undefined = p.related?.map((r) => ({
    location: toLocation(r.file, r.range),
    message: r.message,
  }));
  return {
    range: toRange(p.range),
    severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: p.code,
    source: DIAGNOSTIC_SOURCE,
    message: p.message,
    ...(related && related.length ? { relatedInformation: related } : {}),
    ...(p.data ? { data: p.data } : {}),
  };
}

/** True when two ranges overlap or touch (a cursor at the end of a word counts). */
export function rangesTouch(a: Range, b: Range): boolean {
  const before = (x: Position, y: Position) =>
    x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** The offset of an LSP position in a text, clamped to the text (positions past a line end stop at it). */
export function offsetAt(text: string, position: Position): number {
  let line = 0;
  let start = 0;
  while (line < position.line) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return text.length;
    start = nl + 1;
    line++;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end > start && text[end - 1] === '\r') end--;
  return Math.min(start + Math.max(0, position.character), end);
}
