/**
 * Hostile deployment files, shared by the core and the language-server tests: each one with
 * what a user must be told about it. Built in code (not fixtures) because several are tens of
 * megabytes and their point is their size or shape.
 */

export interface HostileCase {
  name: string;
  text: () => string;
  /** Codes that must appear (each at least once). Empty: no diagnostic is expected. */
  codes: string[];
  /** A message that must appear, saying what is wrong. */
  message?: RegExp;
  /** The line (0-based) a diagnostic with the first code must start on, when it matters. */
  line?: number;
  /** Wall-clock bound for the core to answer, in ms (generous: 2 shared cores). */
  coreMs: number;
}

const HEAD = 'deployment:\n  name: hostile\n  targets:\n    dev: {}\n';

/** Ten levels of ten aliases each: 10^9 strings if expanded (the billion-laughs document). */
export function billionLaughs(prefix = 'deployment:\n  name: hostile\n  labels:\n'): string {
  let text = `${prefix}    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  for (let i = 1; i < 10; i++)
    text += `    a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return text;
}

/** `levels` nested block mappings under `labels`. */
export function deepBlock(levels: number): string {
  let text = 'deployment:\n  name: hostile\n  labels:\n';
  let indent = '    ';
  for (let i = 0; i < levels; i++) {
    text += `${indent}k${i}:\n`;
    indent += '  ';
  }
  return `${text}${indent}v\n`;
}

/** Deterministic bytes covering every value, read as UTF-8 (invalid sequences become U+FFFD). */
export function binaryGarbage(size: number): string {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 7919 + 13) % 256;
  return buf.toString('utf8');
}

/** `n` targets, each line produced by `line(i)`. */
export function manyTargets(n: number, line: (i: number) => string): string {
  return `deployment:\n  name: hostile\n  targets:\n${Array.from({ length: n }, (_, i) => `    ${line(i)}\n`).join('')}`;
}

const MB = 1024 * 1024;

export const HOSTILE: HostileCase[] = [
  {
    name: 'billion laughs (alias bomb)',
    text: () => billionLaughs(),
    codes: ['yaml-syntax'],
    message: /Aliases expand to more than \d+ nodes/,
    coreMs: 2000,
  },
  {
    name: 'alias bomb before the deployment key',
    text: () => billionLaughs('bomb:\n') + 'deployment:\n  name: hostile\n',
    codes: ['yaml-syntax'],
    message: /Aliases expand/,
    coreMs: 2000,
  },
  {
    name: '100-deep block nesting',
    text: () => deepBlock(100),
    codes: ['yaml-syntax'],
    message: /Nesting is deeper than 64 levels/,
    coreMs: 2000,
  },
  {
    name: '10,000-deep flow nesting',
    text: () =>
      `deployment:\n  name: hostile\n  labels: ${'['.repeat(10000)}${']'.repeat(10000)}\n`,
    codes: ['yaml-syntax'],
    message: /Nesting is deeper than 64 levels/,
    line: 2,
    coreMs: 5000,
  },
  {
    name: '50 MB file',
    text: () => `${HEAD}  description: "${'x'.repeat(50 * MB)}"\n`,
    codes: ['yaml-syntax'],
    message: /File is 50\.0 MB, above the 5\.0 MB limit/,
    line: 0,
    coreMs: 5000,
  },
  {
    name: '1 MB single line',
    text: () => `${HEAD}    prod: {labels: {note: "${'y'.repeat(MB)}"}, promotion: {from: dev}}\n`,
    codes: [],
    coreMs: 5000,
  },
  {
    name: '1.7 MB single line of flow targets (node limit)',
    text: () =>
      `deployment: {name: hostile, targets: {${Array.from({ length: 120000 }, (_, i) => `t${i}: {}`).join(', ')}}}\n`,
    codes: ['yaml-syntax'],
    message: /more than 200000 YAML nodes/,
    coreMs: 10000,
  },
  {
    name: 'binary garbage (not a deployment file)',
    text: () => binaryGarbage(256 * 1024),
    codes: [],
    coreMs: 3000,
  },
  {
    name: 'binary garbage after a deployment key',
    text: () => `deployment:\n${binaryGarbage(64 * 1024)}`,
    codes: ['yaml-syntax'],
    coreMs: 3000,
  },
  {
    name: 'byte order mark',
    text: () => `\uFEFF${HEAD}    prod:\n      promotion:\n        from: nowhere\n`,
    codes: ['unknown-source'],
    message: /promotion source 'nowhere' does not exist/,
    line: 6,
    coreMs: 1000,
  },
  {
    name: 'CRLF line ends',
    text: () => `${HEAD}    dev: {}\n`.replace(/\n/g, '\r\n'),
    codes: ['duplicate-key'],
    message: /Target 'dev' is defined twice \(first at line 4\)/,
    line: 4,
    coreMs: 1000,
  },
  {
    name: 'tab indentation',
    text: () => 'deployment:\n\tname: hostile\n',
    codes: ['yaml-syntax'],
    message: /Tabs are not allowed as indentation/,
    line: 1,
    coreMs: 1000,
  },
  {
    name: 'duplicate keys',
    text: () => `${HEAD}    dev:\n      labels: {a: b}\n`,
    codes: ['duplicate-key'],
    message: /Target 'dev' is defined twice/,
    line: 4,
    coreMs: 1000,
  },
  {
    name: 'merge key bringing in a promotion rule',
    text: () =>
      'deployment:\n  name: hostile\n  targets:\n    dev: {}\n    strict: &strict\n      promotion:\n        from: dev\n        requires_approval: true\n    prod:\n      <<: *strict\n',
    codes: ['schema'],
    message: /Merge keys .* are not supported .* would be ignored/,
    line: 9,
    coreMs: 1000,
  },
  {
    name: 'multi-document file',
    text: () => `${HEAD}---\ndeployment:\n  name: second\n`,
    codes: ['yaml-syntax'],
    message: /one YAML document; the documents after this `---` are ignored/,
    line: 4,
    coreMs: 1000,
  },
  {
    name: '7,000 unknown sources among 7,000 targets (was quadratic: 27 s for 5,000)',
    text: () => manyTargets(7000, (i) => `t${i}: {promotion: {from: q${i}}}`),
    codes: ['unknown-source'],
    message: /Known targets: t0, t1, .* and 6980 more\./,
    coreMs: 8000,
  },
  {
    name: '3,000-target fan-in of cycles (was 2 million problems)',
    text: () =>
      `${manyTargets(3000, (i) => `t${i}: {promotion: {allowed_from: [a, t${(i + 1) % 3000}, t${(i + 7) % 3000}]}}`)}    a: {}\n`,
    codes: ['promotion-cycle'],
    coreMs: 8000,
  },
  {
    name: '10,000 schema errors (was minutes in ajv at 100,000)',
    text: () => manyTargets(10000, (i) => `t${i}: {zz: 1}`),
    codes: ['unknown-key'],
    coreMs: 10000,
  },
];
