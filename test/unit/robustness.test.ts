// Parsing and validation never throw and never point outside the document: property-based
// random edits of the spec's files (fast-check, fixed seed), then hostile and odd inputs.
// Run: npx tsx --test test/unit/robustness.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseDeploymentFile,
  positionFinder,
  validateFile,
  type Problem,
  type SourceRange,
} from '../../server/src/core';
import { brief, check, fixture, parse, span, withCode } from './helpers';

const SEED = 20250122;

const specFiles = [
  fixture('spec', 'linear', 'deployments', 'payment-service.yaml'),
  fixture('spec', 'multiple-sources', 'deployments', 'payment-service.yaml'),
  fixture('spec', 'per-deployment', 'deployments', 'payment-service.yaml'),
  fixture('spec', 'per-deployment', 'deployments', 'experimental-feature.yaml'),
];

/** Asserts a range lies in the text, start <= end, and each position matches its offset. */
function assertRangeInside(text: string, r: SourceRange, what: string) {
  const at = positionFinder(text);
  for (const p of [r.start, r.end]) {
    assert.ok(p.offset >= 0 && p.offset <= text.length, `${what}: offset ${p.offset} outside`);
    assert.deepEqual(p, at(p.offset), `${what}: line/character disagree with offset`);
  }
  assert.ok(r.start.offset <= r.end.offset, `${what}: start after end`);
}

function assertProblemsInside(text: string, problems: Problem[]) {
  for (const p of problems) {
    assertRangeInside(text, p.range, `${p.code} ${span(p.range)}`);
    for (const rel of p.related ?? [])
      if (rel.file === p.file) assertRangeInside(text, rel.range, `${p.code} related`);
    assert.ok(p.message.length > 0);
    assert.ok(!/Internal error/.test(p.message), p.message);
  }
}

/** Parses and validates; any exception fails the property. */
function run(text: string): Problem[] {
  const file = parseDeploymentFile(text, 'deployments/fuzz.yaml');
  const problems = validateFile(file);
  assertProblemsInside(text, [...file.problems, ...problems]);
  return problems;
}

const tokens = [
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '#',
  '&a ',
  '*a',
  '!!str ',
  '? ',
  '|',
  '>',
  '\n',
  '\r\n',
  '\t',
  '  ',
  '---\n',
  '...\n',
  'from: ',
  'allowed_from: ',
  'promotion:',
  'targets:',
  'requires_approval: ',
  'dev',
  'staging',
  'prod',
  '\u202E',
  '\uFEFF',
  '\u0000',
  '😀',
  '%YAML 1.2\n',
  '<<: *a',
];

type Edit = { at: number; del: number; insert: string };

const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  del: fc.nat({ max: 8 }),
  insert: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 6 }), fc.constant('')),
});

function apply(text: string, edits: Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = t.length ? e.at % (t.length + 1) : 0;
    t = t.slice(0, at) + e.insert + t.slice(at + e.del);
  }
  return t;
}

describe('property: random edits of valid files', () => {
  test('never throw, and every range lies inside its document', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...specFiles),
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        (original, edits) => {
          run(apply(original, edits));
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
  });

  test('random YAML-ish documents under deployment: never throw', () => {
    const word = fc.constantFrom('dev', 'qa', 'staging', 'prod', 'x/y', '..', '-a', '', '~');
    const doc = fc
      .array(fc.tuple(word, fc.array(word, { maxLength: 3 }), fc.boolean(), fc.boolean()), {
        maxLength: 8,
      })
      .map((targets) => {
        const lines = ['deployment:', '  name: fuzz', '  targets:'];
        for (const [name, sources, list, approval] of targets) {
          lines.push(`    ${JSON.stringify(name)}:`, '      promotion:');
          if (list)
            lines.push(
              `        allowed_from: [${sources.map((s) => JSON.stringify(s)).join(', ')}]`,
            );
          else lines.push(`        from: ${JSON.stringify(sources[0] ?? '')}`);
          lines.push(`        requires_approval: ${approval}`);
        }
        return `${lines.join('\n')}\n`;
      });
    fc.assert(
      fc.property(doc, (text) => {
        run(text);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('bad input', () => {
  test('an empty file is not a deployment and has no problems', () => {
    for (const text of ['', '\n', '   \n\n', '# only a comment\n']) {
      const file = parse(text);
      assert.equal(file.isDeployment, false);
      assert.deepEqual(validateFile(file), []);
    }
  });

  test('a YAML file that is not a deployment has no problems, even when broken', () => {
    for (const text of [
      'name: helm-values\nreplicas: 3\n',
      '- a\n- b\n',
      'just a string',
      'other: [unclosed\n',
      'deploymentx: {}\n',
    ]) {
      const file = parse(text);
      assert.equal(file.isDeployment, false, text);
      assert.deepEqual(validateFile(file), [], text);
    }
  });

  test('a 10 MB deployment file: one size problem on the first line, fast', () => {
    const filler = `    # ${'x'.repeat(100)}\n`;
    const text = `deployment:\n  name: big\n  targets:\n${filler.repeat(Math.ceil((10 * 1024 * 1024) / filler.length))}`;
    const started = Date.now();
    const problems = check(text);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.deepEqual(brief(problems), ['yaml-syntax error 1:1-1:12']);
    assert.match(
      problems[0].message,
      /^File is 10\.0 MB, above the 5\.0 MB limit, so it was not checked\./,
    );
  });

  test('binary garbage never throws', () => {
    const rnd = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4096 }), {
      seed: SEED,
      numRuns: 50,
    });
    for (const bytes of rnd) {
      const text = Buffer.from(bytes).toString('utf8');
      run(text);
      run(`deployment:\n${text}`);
    }
  });

  test('a byte order mark does not shift ranges', () => {
    const text = '\uFEFFdeployment:\n  name: "a b"\n';
    const [p] = withCode(run(text), 'invalid-name');
    assert.equal(span(p.range), '2:9-2:14');
    assert.equal(text.slice(p.range.start.offset, p.range.end.offset), '"a b"');
  });

  test('CRLF line ends give the same lines and columns as LF', () => {
    const lf =
      'deployment:\n  name: x\n  targets:\n    prod:\n      promotion:\n        from: nope\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    assert.deepEqual(brief(run(crlf)), brief(run(lf)));
    assert.deepEqual(brief(run(lf)), ['unknown-source error 6:15-6:19']);
  });

  test('a tab for indentation is a yaml-syntax problem, not a crash', () => {
    const problems = run('deployment:\n\tname: x\n\ttargets: {}\n');
    assert.ok(withCode(problems, 'yaml-syntax').length >= 1);
  });

  test('billion laughs: bounded, reported as yaml-syntax, fast', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) {
      const prev = `*a${i - 1}`;
      lines.push(`a${i}: &a${i} [${Array(10).fill(prev).join(', ')}]`);
    }
    const text = `deployment:\n  name: lol\n  vendor:\n${lines.map((l) => `    ${l}`).join('\n')}\n`;
    const started = Date.now();
    const problems = run(text);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    const [p] = withCode(problems, 'yaml-syntax');
    assert.ok(p, brief(problems).join('\n'));
    assert.match(
      p.message,
      /^Aliases expand to more than 100 nodes here, so the file was not checked\./,
    );
    assert.equal(span(p.range), '1:1-1:12');
  });

  test('a few ordinary aliases are fine', () => {
    const text =
      'deployment:\n  name: x\n  labels: &l { team: a }\n  targets:\n    dev:\n      labels: *l\n';
    assert.deepEqual(run(text), []);
  });

  test('100-deep nesting is one bounded yaml-syntax problem', () => {
    const deep = `deployment:\n  name: x\n  vendor: ${'['.repeat(100)}${']'.repeat(100)}\n`;
    const problems = run(deep);
    assert.deepEqual(
      problems.map((p) => `${p.code} ${p.range.start.line + 1}`),
      ['yaml-syntax 3'],
    );
    assert.match(problems[0].message, /^Nesting is deeper than 64 levels here/);
    const blockDeep =
      'deployment:\n  name: x\n  vendor:\n' +
      Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i + 2)}k${i}:`).join('\n') +
      ' 1\n';
    assert.equal(withCode(run(blockDeep), 'yaml-syntax').length, 1);
  });

  test('very deep nesting (10,000 levels) does not overflow the stack', () => {
    run(`deployment:\n  name: x\n  vendor: ${'['.repeat(10000)}${']'.repeat(10000)}\n`);
  });

  test('lone surrogates and astral characters keep UTF-16 columns', () => {
    const text = 'deployment:\n  name: "😀 \uD800"\n';
    const [p] = withCode(run(text), 'invalid-name');
    assert.equal(span(p.range), '2:9-2:15');
  });
});
