// Shared helpers for the core's unit tests: ranges as `line:col-line:col` (1-based, the way
// editors and the CLI show them) and inline YAML with range markers, so that a test states the
// exact span a diagnostic must cover next to the text it covers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseDeploymentFile,
  validateFile,
  type Code,
  type DeploymentFile,
  type Problem,
  type SourceRange,
  type ValidateOptions,
} from '../../server/src/core';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** A range as `line:col-line:col`, 1-based. */
export function span(r: SourceRange): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

/** Start and end markers: `⟦dev⟧` marks the text `dev`. They never occur in real fixtures. */
const OPEN = '⟦';
const CLOSE = '⟧';

/**
 * Strips `⟦…⟧` markers from a text and returns the text and the marked spans, in the order
 * their opening markers appear. Markers do not nest.
 */
export function marked(source: string): { text: string; spans: string[] } {
  let text = '';
  const spans: string[] = [];
  let line = 1;
  let col = 1;
  let open: string | undefined;
  for (const ch of source) {
    if (ch === OPEN) {
      assert.equal(open, undefined, 'markers do not nest');
      open = `${line}:${col}`;
      continue;
    }
    if (ch === CLOSE) {
      assert.ok(open, 'closing marker without an opening one');
      spans.push(`${open}-${line}:${col}`);
      open = undefined;
      continue;
    }
    text += ch;
    if (ch === '\n') {
      line++;
      col = 1;
    } else col += ch.length;
  }
  assert.equal(open, undefined, 'unclosed marker');
  return { text, spans };
}

/** Removes the indentation common to all non-blank lines, and one leading newline. */
export function dedent(s: string): string {
  const body = s.replace(/^\n/, '');
  const lines = body.split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function parse(text: string, file = 'deployments/test.yaml'): DeploymentFile {
  return parseDeploymentFile(text, file);
}

export function check(text: string, options: ValidateOptions & { file?: string } = {}): Problem[] {
  return validateFile(parse(text, options.file), options);
}

/** The problems with one code. */
export function withCode(problems: Problem[], code: Code): Problem[] {
  return problems.filter((p) => p.code === code);
}

/** Each problem as `code severity line:col-line:col`, for whole-list comparisons. */
export function brief(problems: Problem[]): string[] {
  return problems.map((p) => `${p.code} ${p.severity} ${span(p.range)}`);
}

/**
 * Checks inline YAML whose markers show where each problem of `code` must be, and returns
 * those problems (in marker order) for message and related-location assertions. Every other
 * code must stay silent, unless listed in `alsoAllowed`.
 */
export function expectAt(code: Code, source: string, alsoAllowed: Code[] = []): Problem[] {
  const { text, spans } = marked(dedent(source));
  const problems = check(text);
  const others = problems.filter((p) => p.code !== code && !alsoAllowed.includes(p.code));
  assert.deepEqual(brief(others), [], 'no other problems expected');
  const mine = withCode(problems, code);
  assert.deepEqual(mine.map((p) => span(p.range)).sort(), [...spans].sort(), `${code} ranges`);
  const order = new Map(spans.map((s, i) => [s, i]));
  return [...mine].sort((a, b) => order.get(span(a.range))! - order.get(span(b.range))!);
}

/** Asserts that a file is a deployment and validates without a single problem. */
export function expectClean(text: string, options: ValidateOptions & { file?: string } = {}) {
  const file = parse(text, options.file);
  assert.ok(file.isDeployment, 'expected a deployment file');
  const problems = validateFile(file, options);
  assert.deepEqual(
    problems.map((p) => `${p.code} ${span(p.range)} ${p.message}`),
    [],
  );
  return file;
}

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}
