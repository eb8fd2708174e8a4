// Broken YAML must not invent problems. Generated deployment files are broken in one place the
// way people break them (an unclosed quote, `[` or `{`, a tab for indentation, an alias to an
// anchor that does not exist), and for every case: a yaml-syntax error starts at the token
// where the broken node starts, no syntax error is reported before it, no other problem is
// reported from there on, and every other problem before it is one the intact file has too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { validateText, type Problem } from '../../server/src/core';

const NAMES = ['dev', 'qa', 'staging', 'prod', 'perf', 'eu-1'];
const UNKNOWN = ['ghost', 'prd'];

type Style = 'none' | 'from' | 'flow-list' | 'block-list' | 'flow-target';
type Break = 'double-quote' | 'single-quote' | 'flow-seq' | 'flow-map' | 'tab' | 'alias';

interface Site {
  kind: Break;
  /** Offset of the line in the intact text. */
  line: number;
}

/** One intact file, with the places it can be broken. */
function build(targets: Array<{ name: string; style: Style; sources: string[] }>): {
  text: string;
  sites: Site[];
} {
  let text = 'deployment:\n  name: pay\n  components:\n    terraform:\n      api: {}\n  targets:\n';
  const sites: Site[] = [];
  const add = (line: string, ...kinds: Break[]) => {
    kinds.forEach((kind) => sites.push({ kind, line: text.length }));
    text += `${line}\n`;
  };
  for (const t of targets) {
    const [first = 'dev'] = t.sources;
    if (t.style === 'flow-target') {
      add(`    ${t.name}: {promotion: {from: ${first}}}`, 'flow-map');
      continue;
    }
    if (t.style === 'none') {
      add(`    ${t.name}:`, 'tab');
      add('      labels: {tier: x}');
      continue;
    }
    add(`    ${t.name}:`, 'tab');
    add('      promotion:', 'tab');
    if (t.style === 'from')
      add(`        from: ${first}`, 'double-quote', 'single-quote', 'alias', 'tab');
    if (t.style === 'flow-list') add(`        allowed_from: [${t.sources.join(', ')}]`, 'flow-seq');
    if (t.style === 'block-list') {
      add('        allowed_from:', 'tab');
      for (const s of t.sources) add(`          - ${s}`, 'double-quote', 'alias');
    }
    add('        requires_approval: true');
  }
  return { text, sites };
}

/** Breaks the line at `site`; returns the broken text and where the broken node starts. */
function breakAt(text: string, site: Site): { text: string; at: number } {
  const end = text.indexOf('\n', site.line);
  const line = text.slice(site.line, end);
  const indent = /^ */.exec(line)![0].length;
  const valueAt = () => site.line + /^(\s*(?:- |[\w-]+: ))/.exec(line)![1].length;
  const splice = (at: number, remove: number, insert: string) =>
    text.slice(0, at) + insert + text.slice(at + remove);
  switch (site.kind) {
    case 'double-quote':
      return { text: splice(valueAt(), 0, '"'), at: valueAt() };
    case 'single-quote':
      return { text: splice(valueAt(), 0, "'"), at: valueAt() };
    case 'alias':
      return { text: splice(valueAt(), end - valueAt(), '*nowhere'), at: valueAt() };
    case 'flow-seq':
      return { text: splice(end - 1, 1, ''), at: site.line + line.indexOf('[') };
    case 'flow-map':
      return { text: splice(end - 1, 1, ''), at: site.line + line.indexOf('{') };
    case 'tab':
      return { text: splice(site.line, indent, '\t'), at: site.line };
  }
}

const targetArb = fc.record({
  style: fc.constantFrom<Style>('none', 'from', 'flow-list', 'block-list', 'flow-target'),
  sources: fc.array(fc.constantFrom(...NAMES, ...UNKNOWN), { minLength: 1, maxLength: 3 }),
});

const caseArb = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 6 }),
    fc.array(targetArb, { minLength: 6, maxLength: 6 }),
  )
  .map(([names, rules]) => build(names.map((name, i) => ({ name, ...rules[i] }))))
  .chain(({ text, sites }) =>
    fc.constantFrom(...sites).map((site) => ({ intact: text, site, ...breakAt(text, site) })),
  );

const key = (p: Problem) => `${p.code}@${p.range.start.offset}`;

describe('broken YAML reports the break, and nothing the break invented', () => {
  it('holds for 2,000 generated files broken in one place', () => {
    const seen = new Set<Break>();
    fc.assert(
      fc.property(caseArb, ({ intact, site, text, at }) => {
        seen.add(site.kind);
        const intactProblems = new Set(validateText(intact, 'x.yaml').map(key));
        const problems = validateText(text, 'x.yaml');
        const syntax = problems.filter((p) => p.code === 'yaml-syntax');
        const where = `${site.kind} at offset ${at}\n${text}\n${JSON.stringify(problems, null, 1)}`;
        assert.ok(
          syntax.some((p) => p.range.start.offset === at),
          `no yaml-syntax error at the broken node: ${where}`,
        );
        assert.ok(
          syntax.every((p) => p.range.start.offset >= at),
          `a syntax error before the break: ${where}`,
        );
        for (const p of problems) {
          if (p.code === 'yaml-syntax') continue;
          assert.ok(p.range.start.offset < at, `${p.code} from the break on: ${where}`);
          assert.ok(intactProblems.has(key(p)), `${p.code} not in the intact file: ${where}`);
        }
      }),
      { numRuns: 2000, seed: 16 },
    );
    assert.deepEqual([...seen].sort(), [
      'alias',
      'double-quote',
      'flow-map',
      'flow-seq',
      'single-quote',
      'tab',
    ]);
  });

  it("reports the issue's cases at the broken node with their own messages", () => {
    const head = 'deployment:\n  name: x\n  targets:\n    dev: {}\n';
    const first = (text: string) => {
      const p = validateText(text, 'x.yaml');
      return p.map(
        (x) => `${x.range.start.line + 1}:${x.range.start.character + 1} ${x.code} ${x.message}`,
      );
    };
    assert.deepEqual(
      first(
        `${head}    staging:\n      promotion:\n        from: "dev\n    prod:\n      promotion:\n        from: staging\n`,
      ),
      ['7:15 yaml-syntax Missing closing "quote'],
    );
    assert.deepEqual(
      first(
        `${head}    staging:\n      promotion:\n        allowed_from: [dev, qa\n    qa:\n      promotion:\n        from: dev\n`,
      ),
      [
        "7:23 yaml-syntax This '[' is never closed: end the list with ']', on this line or on lines indented more than its key.",
      ],
    );
    assert.deepEqual(first(`${head}    staging:\n      promotion:\n\tfrom: dev\n`), [
      '7:1 yaml-syntax Tabs are not allowed as indentation',
    ]);
    assert.deepEqual(first(`${head}    staging: {promotion: {from: dev}\n    prod: {}\n`), [
      "5:14 yaml-syntax This '{' is never closed: end the mapping with '}', on this line or on lines indented more than its key.",
    ]);
    assert.deepEqual(first(`${head}    staging:\n      promotion:\n        from: *dv\n`), [
      '7:15 yaml-syntax Alias *dv refers to no anchor: there is no &dv before it.',
    ]);
  });

  // Before the break a problem stands, unless it says something is missing that the broken
  // part may hold: the target, the key or the approvers may be right there, swallowed.
  it('drops a problem before the break that says something is missing the break may hold', () => {
    const cases: Array<[string, string]> = [
      [
        'a source defined after the break',
        'deployment:\n  name: x\n  targets:\n    staging: {promotion: {from: qa}}\n    dev: {labels: {a: "b}}\n    qa: {}\n',
      ],
      [
        'a required key after the break',
        'deployment:\n  targets:\n    dev: {labels: {a: "b}}\n  name: x\n',
      ],
      [
        'approvers after the break',
        'deployment:\n  name: x\n  targets:\n    staging: {}\n    prod:\n      promotion:\n        requires_approval: true\n        approval_method: review\n        from: "staging\n        approvers: [a@x.com]\n',
      ],
    ];
    for (const [what, text] of cases) {
      const codes = validateText(text, 'x.yaml').map((p) => p.code);
      assert.ok(codes.length > 0, what);
      assert.ok(
        codes.every((c) => c === 'yaml-syntax'),
        `${what}: ${codes.join(', ')}`,
      );
    }
  });
});
