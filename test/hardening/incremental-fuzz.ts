/**
 * Differential fuzzing of the incremental re-parse (server/src/core/incremental.ts): random
 * edit sequences applied to generated deployment files, and after every step the spliced parse
 * must equal a full parse of the same text: the model with every range, the plain-data value,
 * the yaml Document (every node's type, value, range and comments) and the problems of every
 * rule. Used by incremental-fuzz.test.ts (a slice, `npm test`) and fuzz-long.ts (`npm run fuzz`).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMap, isNode, isPair, isScalar, isSeq, type Document } from 'yaml';
import { parseDeploymentFile, validateFile, type DeploymentFile } from '../../server/src/core';
import { reparseEdit } from '../../server/src/core/incremental';

/** A small seeded generator, so a failing sequence is reproduced from its seed alone. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['dev', 'qa', 'staging', 'canary', 'prod', 'hotfix', 'eu-1', 'us-2', 'früh', 'ü😀x'];

/** Body lines for one target, at the target's indentation plus two. */
function targetBody(r: () => number, pick: <T>(xs: T[]) => T, names: string[], i: number) {
  const lines: string[] = [];
  const pad = '      ';
  const source = i > 0 ? names[Math.floor(r() * i)] : undefined;
  const shapes = [
    () => source && lines.push(`${pad}promotion:`, `${pad}  from: ${source}`),
    () =>
      source && lines.push(`${pad}promotion:`, `${pad}  allowed_from: [${source}, ${pick(NAMES)}]`),
    () =>
      source &&
      lines.push(
        `${pad}promotion:`,
        `${pad}  from: ${source}`,
        `${pad}  requires_approval: true`,
        `${pad}  approval_method: review`,
        `${pad}  approvers:`,
        `${pad}    - alice@example.com`,
        `${pad}    - "bob 😀"`,
        `${pad}  min_approvals: ${1 + Math.floor(r() * 3)}`,
      ),
    () => lines.push(`${pad}labels: {tier: ${pick(['web', 'db', "'x y'"])}}`),
    () =>
      lines.push(
        `${pad}vars:`,
        `${pad}  replicas: ${Math.floor(r() * 9)}`,
        `${pad}  region: "é😀"`,
      ),
    () => lines.push(`${pad}context: {stage: ${pick(NAMES)}}`),
    () => lines.push(`${pad}# a comment inside`),
    () => lines.push(''),
    () => lines.push(`${pad}note: |`, `${pad}  line one`, `${pad}  line two 😀`),
    () => lines.push(`${pad}promotion: {from: ${source ?? 'nowhere'}}`),
    () => lines.push(`${pad}unknown_key: 1`),
    () => lines.push(`${pad}from: ${source ?? 'x'}`),
  ];
  const n = Math.floor(r() * 4);
  for (let j = 0; j < n; j++) pick(shapes)();
  return lines;
}

/** A generated deployment file: a few targets, with components or a name after them at times. */
export function generateFile(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const count = 2 + Math.floor(r() * 12);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    let n = pick(NAMES);
    if (r() < 0.8) while (names.includes(n)) n = `${n}${i}`;
    names.push(n);
  }
  const out = ['deployment:'];
  if (r() < 0.7) out.push('  name: payments');
  if (r() < 0.3) out.push('  # before the targets');
  out.push('  targets:');
  names.forEach((n, i) => {
    if (r() < 0.15) out.push('');
    if (r() < 0.1) out.push(`    # about ${n}`);
    const inline = r() < 0.1 ? ' {}' : r() < 0.05 ? ' # key comment' : '';
    out.push(`    ${n}:${inline}`);
    if (inline !== ' {}') out.push(...targetBody(r, pick, names, i));
  });
  if (r() < 0.5) out.push('  components:', '    terraform:', '      api:', '        vars: {a: 1}');
  if (r() < 0.2) out.push('  name: after');
  if (r() < 0.2) out.push('  stacks: [one, two]');
  const eol = r() < 0.15 ? '\r\n' : '\n';
  // The lines above are indented two spaces a level; some files use three or four.
  const unit = pick([2, 2, 3, 4]);
  return out.map((line) => reindent(line, unit)).join(eol) + (r() < 0.9 ? eol : '');
}

/** Edits a user makes while typing in a target: most keep the YAML well formed. */
const TYPING = [
  '1',
  'x',
  'é',
  '😀',
  ' ',
  'from',
  'dev',
  '-a',
  '\n      vars: {b: 2}',
  '\n      labels:\n        a: b',
  '\n      promotion:\n        from: dev',
  '\n      promotion:\n        requires_approval: yes',
  '\n      note: |\n        text',
  '\n      # comment',
  '\n      x: 1 # c',
  '\n        allowed_from: [qa]',
  '\n\n      y: "q"',
  '\n',
  '\r\n',
];

/** Edits that break the structure, the YAML, or reach outside one target. */
const HOSTILE = [
  '  ',
  '\n      ',
  '\n    ',
  '\n    z:\n      a: 1',
  '\n  ',
  ': ',
  ':',
  '- ',
  '# ',
  ' # c',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '\t',
  '---\n',
  '|\n',
  '\n\n',
  '\r',
  'requires_approval: true',
  'approvers: [a]',
];

const SINGLE = ['1', 'x', 'é', '😀', ' ', '-', '_'];

/**
 * One edit. Mostly what typing in a target does (text added at the end of one of its lines, a
 * character typed or deleted inside its body); sometimes something hostile anywhere.
 */
/** A line (or each line of a fragment) indented `unit` spaces a level instead of two. */
function reindent(text: string, unit: number): string {
  return text.replace(
    /(^|\n)( +)/g,
    (_, start: string, spaces: string) => `${start}${' '.repeat((spaces.length / 2) * unit)}`,
  );
}

export function randomEdit(r: () => number, text: string): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  // Target keys sit two levels deep; a level is as deep as the `targets:` line.
  const unit = /^( +)targets:/m.exec(text)?.[1].length ?? 2;
  const typing = () => reindent(pick(TYPING), unit);
  const keyLine = new RegExp(`^ {${2 * unit}}\\S[^\\n]*$`, 'gm');
  const keyLines = [...text.matchAll(keyLine)].map((m) => m.index);
  const mode = keyLines.length > 1 ? r() : 1;
  if (mode < 0.8) {
    const k = Math.floor(r() * (keyLines.length - 1));
    const lineEnd = text.indexOf('\n', keyLines[k]);
    const lo = lineEnd < 0 ? text.length : lineEnd + 1;
    const hi = keyLines[k + 1];
    const at = Math.min(text.length, lo + Math.floor(r() * Math.max(1, hi - lo + 1)));
    if (mode < 0.45) {
      // At the end of the line holding `at` (before its line break).
      let end = at;
      while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
      return text.slice(0, end) + typing() + text.slice(end);
    }
    const del = r() < 0.5 ? 0 : 1 + Math.floor(r() * 3);
    const insert = r() < 0.3 ? '' : pick(SINGLE);
    return text.slice(0, at) + insert + text.slice(Math.min(text.length, at + del));
  }
  const at = Math.floor(r() * (text.length + 1));
  const del = r() < 0.5 ? 0 : r() < 0.7 ? 1 + Math.floor(r() * 3) : Math.floor(r() * 40);
  const insert = r() < 0.2 ? '' : r() < 0.5 ? typing() : pick(HOSTILE);
  return text.slice(0, at) + insert + text.slice(Math.min(text.length, at + del));
}

/** The yaml Document as comparable data: every node's kind, value, range and comments. */
export function documentShape(doc: Document.Parsed | undefined): unknown {
  if (!doc) return undefined;
  const nodes: unknown[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (isPair(n)) {
      nodes.push('pair');
      stack.push(n.value, n.key);
      continue;
    }
    if (!isNode(n)) {
      nodes.push(n === null ? null : typeof n);
      continue;
    }
    const c = n as unknown as Record<string, unknown>;
    nodes.push({
      kind: isMap(n) ? 'map' : isSeq(n) ? 'seq' : isScalar(n) ? 'scalar' : 'alias',
      range: n.range,
      value: isScalar(n) ? n.value : undefined,
      type: isScalar(n) ? n.type : undefined,
      flow: (isMap(n) || isSeq(n)) && !!n.flow,
      tag: n.tag,
      anchor: c.anchor,
      comment: c.comment,
      commentBefore: c.commentBefore,
      spaceBefore: c.spaceBefore,
    });
    if (isMap(n) || isSeq(n))
      for (const item of [...(n.items as unknown[])].reverse()) stack.push(item);
  }
  return { range: doc.range, comment: doc.comment, commentBefore: doc.commentBefore, nodes };
}

/** What a parse must agree on, before validation (the value is read by the schema check). */
function parseShape(f: DeploymentFile): unknown {
  const lines = f.text.split(/\r\n|\r|\n/).length;
  return {
    text: f.text,
    isDeployment: f.isDeployment,
    brokenFrom: f.brokenFrom,
    problems: f.problems,
    deployment: f.deployment,
    value: f.value,
    doc: documentShape(f.doc),
    // The position finder on a sample of offsets, the last line included.
    positions: [0, 1, f.text.length >> 1, f.text.length - 1, f.text.length].map((o) =>
      f.positionAt(o),
    ),
    lines,
  };
}

export interface IncrementalReport {
  sequences: number;
  steps: number;
  /** Steps answered by splicing, not by a full parse (an unchanged text is not counted). */
  spliced: number;
}

/**
 * Runs `count` edit sequences from `seed`. Each step applies one or two edits (two as when
 * edits arrive inside one debounce window), re-parses incrementally from the previous parse as
 * the server does, and compares with a full parse. Throws on the first difference, naming the
 * sequence's seed and the texts.
 */
export function runIncrementalFuzz(seed: number, count: number): IncrementalReport {
  const report: IncrementalReport = { sequences: 0, steps: 0, spliced: 0 };
  const property = fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (sequenceSeed) => {
    const r = random(sequenceSeed);
    let text = generateFile(r);
    let current = parseDeploymentFile(text, 'fuzz.yaml');
    let lastClean: string | undefined = text;
    const steps = 1 + Math.floor(r() * 12);
    for (let s = 0; s < steps; s++) {
      const before = text;
      // A text the YAML cannot read is mostly fixed by the next edit, as a user fixes a typo;
      // undoing it is that edit here, so a sequence does not stay broken to its end.
      if (current.problems.length && lastClean !== undefined && r() < 0.6) text = lastClean;
      else {
        text = randomEdit(r, text);
        if (r() < 0.2) text = randomEdit(r, text);
      }
      const full = parseDeploymentFile(text, 'fuzz.yaml');
      const spliced = reparseEdit(current, text);
      const next = spliced ?? parseDeploymentFile(text, 'fuzz.yaml');
      report.steps++;
      if (spliced && spliced !== current) report.spliced++;
      const where = `sequence seed ${sequenceSeed}, step ${s}\n--- before\n${before}\n--- after\n${text}`;
      assert.deepStrictEqual(parseShape(next), parseShape(full), where);
      assert.deepStrictEqual(validateFile(next), validateFile(full), where);
      current = next;
      if (!next.problems.length) lastClean = text;
    }
    report.sequences++;
  });
  try {
    fc.assert(property, { numRuns: count, seed, endOnFailure: true });
  } catch (err) {
    // fast-check's message names only the sequence seed; the difference is in the cause.
    const cause = (err as { cause?: Error }).cause;
    throw new Error(`${(err as Error).message.split('\n')[0]}\n${cause?.message ?? ''}`);
  }
  return report;
}
