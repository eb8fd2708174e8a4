// The single-pass reader of deployment tag messages (server/src/core/flat-record.ts) against a
// copy of the reader it replaced (reference-tag-message.ts): the same record, or the same
// undefined, for records written by formatTagMessage, for messages built from the layout's
// lines and its edge cases, and for both after random edits (fast-check, fixed seed).
// Run: node --import tsx --test test/unit/flat-record.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatTagMessage,
  parseTagMessage,
  TAG_MESSAGE_HEADER,
  type DeploymentRecord,
} from '../../server/src/core';
import { referenceParseTagMessage } from './reference-tag-message';

const SEED = 20261203;

/** Characters that decide between the two readers' paths: indicators, quotes, terminators. */
const TRICKY = [
  ' ',
  ':',
  '-',
  '#',
  '"',
  "'",
  '\\',
  '\r',
  '\n',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  '@',
  '_',
  '/',
  '.',
  '=',
  '~',
  '^',
  '+',
  '{',
  '[',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '`',
  ',',
  '?',
  '\t',
  'é',
  '😀',
  '__proto__',
  'metadata:',
  '  ',
  '\n  ',
  '\n\n',
  '\n-----BEGIN ',
  'a',
  'Z',
  '0',
  '9',
];

const KEYS = [
  'deployment',
  'target',
  'component',
  'deployed_by',
  'build_id',
  'git_sha',
  'timestamp',
  'status',
  'promoted_from',
  'promoted_at',
  'metadata',
  'rollback_of',
  'policy_sha',
  'pr',
  'jira',
  'approver',
  '__proto__',
  'constructor',
  'toString',
  'x-y',
  '_k',
  'deploymentx',
  'Deployment',
  '9bad',
  'bad key',
  '',
];

const VALUES = [
  '',
  'prod',
  'svc-001',
  '2025-01-01T00:00:01Z',
  '0123',
  '1e10',
  'true',
  'null',
  '~',
  '"q"',
  "'q'",
  '"a\\"b"',
  "'it''s'",
  '"',
  "'",
  '""',
  "''",
  '-',
  '-x',
  'a:',
  'a:b',
  'a: b',
  'a #c',
  '#c',
  'x@y',
  '@x',
  ':x',
  'a/b.c+d=e~f^g',
  '[a]',
  '{a: 1}',
  '&a x',
  '*a',
  '|',
  '>',
  '!t x',
  'é',
  'a\rb',
  '"a\rb"',
  '"a\u2028b"',
  "'a\u2029b'",
  'a\u0085b',
  ' lead',
  'trail ',
  'a\tb',
];

/** Mostly plain text, the layout's own; now and then an edge case or any text at all. */
const scalarValue = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.stringMatching(/^[A-Za-z0-9_.][A-Za-z0-9_./+=~^@:-]{0,10}[A-Za-z0-9]$/),
  },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_./+=~^@:-]{1,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const top = (key: fc.Arbitrary<string>) => fc.tuple(key, scalarValue).map(([k, v]) => `${k}: ${v}`);

/** One line of a message that is not one of the record's own: anything, odd or not. */
const extra = fc.oneof(
  { weight: 3, arbitrary: top(fc.constantFrom(...KEYS)) },
  { weight: 2, arbitrary: top(fc.constantFrom(...KEYS)).map((l) => `  ${l}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '  ', '   a: b', 'a:b', 'a:', 'a', ':', 'metadata: x'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** The lines of a record: each required key most of the time, in any order. */
const recordLines = fc
  .tuple(
    ...['deployment', 'target', 'component', 'git_sha', 'timestamp', 'status'].map((k) =>
      fc.option(top(fc.constant(k)), { freq: 20, nil: undefined }),
    ),
    fc
      .uniqueArray(
        fc.constantFrom('deployed_by', 'build_id', 'promoted_from', 'promoted_at', 'policy_sha'),
        { maxLength: 3 },
      )
      .chain((keys) => fc.tuple(...keys.map((k) => top(fc.constant(k))))),
  )
  .chain(([...parts]) => {
    const extras = parts.pop() as string[];
    const lines = [
      ...(parts as Array<string | undefined>).filter((l) => l !== undefined),
      ...extras,
    ];
    return fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length });
  });

/** A `metadata:` block of zero to three entries. */
const metadataBlock = fc
  .uniqueArray(fc.constantFrom(...KEYS), { maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map((k) => top(fc.constant(k)))))
  .map((entries) => ['metadata:', ...entries.map((l) => `  ${l}`)]);

const validRecord: DeploymentRecord = {
  deployment: 'payment-service',
  target: 'prod',
  component: 'api',
  deployed_by: 'alice@example.com',
  build_id: 'build-1',
  git_sha: 'a'.repeat(40),
  timestamp: '2025-01-22T12:00:00Z',
  status: 'success',
  promoted_from: 'staging',
  promoted_at: '2025-01-22T12:00:00Z',
  metadata: { pr: '#1', jira: 'PROJ-1' },
  rollback_of: undefined,
  policy_sha: undefined,
};

/** Records formatTagMessage writes, with any text in their fields. */
const written = fc
  .record({
    deployment: scalarValue,
    target: scalarValue,
    component: scalarValue,
    deployed_by: scalarValue,
    build_id: scalarValue,
    git_sha: scalarValue,
    timestamp: scalarValue,
    status: fc.constantFrom('success', 'failed', 'rolled_back'),
    promoted_from: fc.option(scalarValue, { nil: undefined }),
    promoted_at: fc.option(scalarValue, { nil: undefined }),
    metadata: fc.dictionary(fc.constantFrom(...KEYS.filter(Boolean)), scalarValue, { maxKeys: 4 }),
    rollback_of: fc.option(scalarValue, { nil: undefined }),
    policy_sha: fc.option(scalarValue, { nil: undefined }),
  })
  .map((r) => formatTagMessage(r as DeploymentRecord));

/** Messages built line by line, with the header most of the time and a few trailing extras. */
const built = fc
  .tuple(
    fc.constantFrom(
      TAG_MESSAGE_HEADER,
      TAG_MESSAGE_HEADER,
      TAG_MESSAGE_HEADER,
      'atmos.tools/v1alpha1\n',
    ),
    recordLines,
    fc.option(metadataBlock, { freq: 2, nil: undefined }),
    fc.nat(),
    fc.option(fc.tuple(extra, fc.nat()), { freq: 3, nil: undefined }),
    fc.constantFrom('', '\n', '\n\n', '\n-----BEGIN PGP SIGNATURE-----\nx\n', '\r\n'),
  )
  .map(([head, lines, block, at, odd, tail]) => {
    if (block) lines.splice(at % (lines.length + 1), 0, ...block);
    if (odd) lines.splice(odd[1] % (lines.length + 1), 0, odd[0]);
    return head + lines.join('\n') + tail;
  });

/** Random edits of a message: text from TRICKY inserted, a range deleted or a line doubled. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.tuple(fc.constant('insert' as const), fc.nat(), fc.constantFrom(...TRICKY)),
    fc.tuple(fc.constant('delete' as const), fc.nat(), fc.integer({ min: 1, max: 6 })),
    fc.tuple(fc.constant('double' as const), fc.nat(), fc.constant(0)),
    fc.tuple(fc.constant('replace' as const), fc.nat(), fc.constantFrom('a', '0', '-', ':', '_')),
  );
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([text, edits]) => {
    for (const [kind, at, arg] of edits) {
      const i = text.length ? at % (text.length + 1) : 0;
      if (kind === 'insert') text = text.slice(0, i) + String(arg) + text.slice(i);
      else if (kind === 'replace') text = text.slice(0, i) + String(arg) + text.slice(i + 1);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + Number(arg));
      else {
        const from = text.lastIndexOf('\n', i - 1) + 1;
        const to = text.indexOf('\n', i);
        const l = text.slice(from, to < 0 ? text.length : to);
        text = `${text.slice(0, from)}${l}\n${text.slice(from)}`;
      }
    }
    return text;
  });
}

/** The same record (every own key, also those set to undefined) or the same undefined. */
function same(message: string, counts: { flat: number; records: number }) {
  let ours: DeploymentRecord | undefined;
  assert.doesNotThrow(() => (ours = parseTagMessage(message)), JSON.stringify(message));
  const ref = referenceParseTagMessage(message);
  if (ref.flat) counts.flat++;
  if (ref.record) counts.records++;
  assert.deepStrictEqual(ours, ref.record, JSON.stringify(message));
  if (ours) assert.deepStrictEqual(Object.keys(ours.metadata), Object.keys(ref.record!.metadata));
}

describe('the single-pass tag message reader against the earlier reader', () => {
  const cases: Array<[string, fc.Arbitrary<string>, number]> = [
    ['records formatTagMessage writes', written, 3000],
    ['messages built from layout lines', built, 6000],
    ['written records after random edits', mutated(written), 6000],
    ['built messages after random edits', mutated(built), 4000],
  ];
  for (const [name, arbitrary, numRuns] of cases)
    test(name, () => {
      const counts = { flat: 0, records: 0 };
      fc.assert(
        fc.property(arbitrary, (m) => same(m, counts)),
        { seed: SEED, numRuns },
      );
      // The generators must reach both readers and produce records, or the comparison is empty.
      assert.ok(counts.flat > numRuns / 100, `${name}: only ${counts.flat} read flat`);
      assert.ok(counts.records > numRuns / 100, `${name}: only ${counts.records} records`);
    });

  test('edge cases of the layout, one by one', () => {
    const counts = { flat: 0, records: 0 };
    const body = formatTagMessage(validRecord).slice(TAG_MESSAGE_HEADER.length);
    const variants = [
      body,
      body.replace('metadata:\n  pr: "#1"\n  jira: PROJ-1\n', 'metadata:\n'),
      body.replace('metadata:', 'metadata: x'),
      body.replace('  pr:', '  __proto__:'),
      body.replace('  pr:', '  constructor:'),
      body.replace('  pr:', '  jira:'),
      `${body}metadata:\n  a: b\n`,
      `${body}__proto__: x\n`,
      `${body}toString: x\ntoString: y\n`,
      `${body}\n\n\n`,
      `\n${body}`,
      body.replace('prod', '"prod"'),
      body.replace('prod', "'pr\"od'"),
      body.replace('prod', '"pr\\od"'),
      body.replace('prod', 'pr\rod'),
      body.replace('prod', '"pr\u2028od"'),
      body.replace('prod', '"pr\u2029od"'),
      body.replace('prod', "'pr\u2028od'"),
      body.replace('prod', "'pr\u2029od'"),
      body.replace('prod', "'pr\rod'"),
      body.replace('prod', '"pr\u0085od"'),
      body.replace('prod', '-'),
      body.replace('prod', '-p'),
      body.replace('prod', 'prod:'),
      body.replace('prod', 'pr:od'),
      body.replace('prod', 'pr: od'),
      body.replace('target: prod', 'target:'),
      body.replace('target: prod', 'target:prod'),
      body.replace('target: prod', 'target:  prod'),
      body.replace('target: prod\n', ''),
      body.replace('status: success', "status: ''"),
      body.replace('\n', '\n \n'),
      body.replace(/\n/g, '\r\n'),
      body.replace(/\n/g, '\r'),
      `${body}-----BEGIN PGP SIGNATURE-----\nx: y\n`,
      body.replace('jira: PROJ-1\n', 'jira: PROJ-1\n-----BEGIN X\n'),
      '',
      '\n',
      'deployment: x',
    ];
    for (const v of variants) same(TAG_MESSAGE_HEADER + v, counts);
    assert.ok(counts.flat > 10 && counts.records > 5);
  });
});
