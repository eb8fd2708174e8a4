// invalid-name: names become git ref segments and command-line arguments, so hostile names
// must be refused before git or a shell could ever see them (design sections 3 and 5).
// Run: npx tsx --test test/unit/names.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nameProblem, type NameKind } from '../../server/src/core';
import { check, span, withCode } from './helpers';

/** Characters that must never reach a message raw: controls, invisible and bidi marks. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/** Each hostile name with the reason the message must give. */
const hostile: Array<[string, string, RegExp]> = [
  ['path walk', '../../heads/main', /contains '\/'|contains '\.\.'/],
  ['option injection', '--upload-pack=touch pwned', /contains a space/],
  ['option injection without a space', '--upload-pack=x', /starts with '-'/],
  ['command substitution', '$(touch pwned)', /contains a space/],
  ['command substitution without a space', '$(id)', /shell or markup characters/],
  ['backticks', '`id`', /shell or markup characters/],
  ['newline', 'a\nb', /control character \(U\+000A\)/],
  ['NUL', 'a\u0000b', /control character \(U\+0000\)/],
  ['DEL', 'a\u007fb', /control character \(U\+007F\)/],
  ['HEAD', 'HEAD', /'HEAD' is reserved by git/],
  ['FETCH_HEAD', 'FETCH_HEAD', /reserved by git/],
  ['@ alone', '@', /HEAD/],
  [
    'RTL override',
    'prod\u202Eved',
    /invisible or direction-changing character \(U\+202E RIGHT-TO-LEFT OVERRIDE\)/,
  ],
  ['zero-width space', 'pro\u200Bd', /invisible .* \(U\+200B ZERO WIDTH SPACE\)/],
  ['BOM inside', 'pr\uFEFFod', /U\+FEFF/],
  ['soft hyphen', 'pr\u00ADod', /U\+00AD/],
  ['.lock', 'a.lock', /ends with '\.lock'/],
  ['@{', '@{x}', /contains '@\{'/],
  ['..', 'a..b', /contains '\.\.'/],
  ['leading dot', '.hidden', /starts with '\.'/],
  ['trailing dot', 'prod.', /ends with '\.'/],
  ['space', 'my prod', /contains a space/],
  ['colon', 'a:b', /contains ':'/],
  ['tilde', 'a~1', /contains '~'/],
  ['caret', 'a^', /contains '\^'/],
  ['question mark', 'a?', /contains '\?'/],
  ['star', 'a*', /contains '\*'/],
  ['bracket', 'a[0]', /contains '\['/],
  ['backslash', 'a\\b', /contains '\\'/],
  [
    'Cyrillic look-alike',
    'pr\u043Ed',
    /contains U\+043E CYRILLIC SMALL LETTER O, which is not ASCII/,
  ],
  ['Greek look-alike', 'pr\u03BFd', /U\+03BF GREEK SMALL LETTER OMICRON, which is not ASCII/],
  ['accented letter', 'h\u00E9llo', /U\+00E9 LATIN SMALL LETTER E WITH ACUTE/],
  ['fullwidth letter', 'pro\uFF44', /U\+FF44 FULLWIDTH LATIN SMALL LETTER D/],
  ['mathematical letter', 'pro\u{1D41D}', /U\+1D41D MATHEMATICAL BOLD SMALL D/],
  ['a character outside the named blocks', 'prod\u4E00', /U\+4E00 \(a character outside/],
  ['plus', 'a+b', /contains '\+', which names cannot hold/],
  ['hash', 'a#b', /contains '#'/],
  ['percent', 'a%20b', /contains '%'/],
  ['at sign', 'me@prod', /contains '@'/],
  ['equals', 'a=b', /contains '='/],
  ['comma', 'a,b', /contains ','/],
  ['empty', '', /it is empty/],
  ['too long', 'x'.repeat(129), /longer than 128 characters/],
];

describe('nameProblem refuses hostile names for every kind', () => {
  for (const [what, name, why] of hostile) {
    test(what, () => {
      for (const kind of ['deployment', 'target', 'component'] as NameKind[]) {
        const reason = nameProblem(kind, name);
        assert.ok(reason, `${kind} ${JSON.stringify(name)} must be refused`);
        assert.match(reason, why, `${kind} ${JSON.stringify(name)}`);
      }
    });
  }
});

describe('nameProblem accepts ordinary names', () => {
  for (const name of [
    'dev',
    'prod.eu',
    'prod_eu',
    'prod-eu',
    'v2',
    'A',
    'x'.repeat(128),
    'a-Z_0.9',
  ])
    test(JSON.stringify(name), () => {
      for (const kind of ['deployment', 'target', 'component'] as NameKind[])
        assert.equal(nameProblem(kind, name), undefined, `${kind} ${name}`);
    });
});

describe("'/' is allowed for components only, as one separator between valid parts", () => {
  test('ecs/api is a valid component and an invalid target or deployment', () => {
    assert.equal(nameProblem('component', 'ecs/api'), undefined);
    assert.equal(nameProblem('component', 'platform/ecs/api'), undefined);
    for (const kind of ['target', 'deployment'] as NameKind[])
      assert.equal(
        nameProblem(kind, 'ecs/api'),
        "it contains '/' (only component names may, as in ecs/api)",
      );
  });

  test('component names with broken separators or parts are refused', () => {
    assert.equal(nameProblem('component', '/ecs'), "it starts or ends with '/'");
    assert.equal(nameProblem('component', 'ecs/'), "it starts or ends with '/'");
    assert.equal(nameProblem('component', 'ecs//api'), "it contains '//'");
    assert.equal(nameProblem('component', '../../heads/main'), "it contains '..'");
    assert.equal(nameProblem('component', 'ecs/.git'), "it starts with '.'");
    assert.equal(nameProblem('component', 'ecs/a.lock'), "it ends with '.lock'");
    assert.equal(nameProblem('component', 'ecs/HEAD'), "'HEAD' is reserved by git");
  });
});

describe('invalid-name in files: each hostile name is reported with a message and its range', () => {
  test('a target named with a quoted newline is refused on its key', () => {
    const problems = withCode(
      check('deployment:\n  name: x\n  targets:\n    "a\\nb": {}\n'),
      'invalid-name',
    );
    assert.deepEqual(
      problems.map((p) => [span(p.range), p.message]),
      [
        [
          '4:5-4:11',
          "Invalid target name 'a\\nb': it contains a control character (U+000A). Names become git refs; use ASCII letters, digits, '-', '_' and '.'.",
        ],
      ],
    );
  });

  test('invisible characters are shown escaped in the message', () => {
    const [p] = withCode(
      check('deployment:\n  name: "pay\\u202Ement"\n  targets:\n    dev: {}\n'),
      'invalid-name',
    );
    assert.equal(span(p.range), '2:9-2:24');
    assert.ok(!p.message.includes('\u202E'), 'the raw override would reorder the message');
    assert.match(
      p.message,
      /^Invalid deployment name 'pay\\u202Ement': .*\(U\+202E RIGHT-TO-LEFT OVERRIDE\)/,
    );
  });

  for (const [what, name] of hostile.filter(([, n]) => n !== '')) {
    test(`target ${what}`, () => {
      const key = JSON.stringify(name);
      const text = `deployment:\n  name: x\n  targets:\n    ${key}: {}\n`;
      const problems = withCode(check(text), 'invalid-name');
      assert.equal(problems.length, 1, JSON.stringify(problems));
      const [p] = problems;
      assert.equal(p.severity, 'error');
      assert.equal(span(p.range), `4:5-4:${5 + key.length}`);
      assert.ok(p.message.startsWith('Invalid target name '), p.message);
      assert.deepEqual(p.data, { kind: 'target', name });
      assert.doesNotMatch(p.message, UNSAFE, 'the message shows hidden characters escaped');
    });
  }

  test('a component ecs/api is valid, a target ecs/api is not', () => {
    const text =
      'deployment:\n  name: x\n  components:\n    terraform:\n      ecs/api: {}\n  targets:\n    ecs/api: {}\n';
    const problems = check(text);
    assert.deepEqual(
      problems.map((p) => `${p.code} ${span(p.range)}`),
      ['invalid-name 7:5-7:12'],
    );
  });
});

describe('names are ASCII: a look-alike never passes for the name it imitates', () => {
  test('prоd with a Cyrillic о is refused on its key, with the character named', () => {
    const problems = withCode(
      check('deployment:\n  name: x\n  targets:\n    prod: {}\n    pr\u043Ed: {}\n'),
      'invalid-name',
    );
    assert.deepEqual(
      problems.map((p) => [span(p.range), p.message]),
      [
        [
          '5:5-5:9',
          "Invalid target name 'pr\u043Ed': it contains U+043E CYRILLIC SMALL LETTER O, which is not ASCII. Names become git refs; use ASCII letters, digits, '-', '_' and '.'.",
        ],
      ],
    );
  });

  test('a component and a deployment name are held to the same rule', () => {
    const problems = withCode(
      check(
        'deployment:\n  name: p\u0430y\n  components:\n    terraform:\n      ecs/\u0430pi: {}\n  targets:\n    dev: {}\n',
      ),
      'invalid-name',
    );
    assert.deepEqual(
      problems.map((p) => p.message.replace(/\. Names become.*/, '')),
      [
        "Invalid deployment name 'p\u0430y': it contains U+0430 CYRILLIC SMALL LETTER A, which is not ASCII",
        "Invalid component name 'ecs/\u0430pi': it contains U+0430 CYRILLIC SMALL LETTER A, which is not ASCII",
      ],
    );
  });
});

describe('names that differ only by case are one ref file on macOS and Windows', () => {
  test('targets Prod and prod: an error on the later one, related to the first', () => {
    const problems = withCode(
      check('deployment:\n  name: x\n  targets:\n    Prod: {}\n    dev: {}\n    prod: {}\n'),
      'invalid-name',
    );
    assert.equal(problems.length, 1, JSON.stringify(problems));
    const [p] = problems;
    assert.equal(p.severity, 'error');
    assert.equal(span(p.range), '6:5-6:9');
    assert.equal(
      p.message,
      "Invalid target name 'prod': it differs from target 'Prod' only by case, and 'Prod' and 'prod' are one ref file on macOS and Windows. Rename one of them.",
    );
    assert.deepEqual(
      p.related?.map((r) => [span(r.range), r.message]),
      [['4:5-4:9', "target 'Prod' is declared here"]],
    );
  });

  test('components Api and api clash within one type and across types', () => {
    const problems = withCode(
      check(
        'deployment:\n  name: x\n  components:\n    terraform:\n      Api: {}\n      vpc: {}\n    helmfile:\n      api: {}\n      VPC: {}\n  targets:\n    dev: {}\n',
      ),
      'invalid-name',
    );
    assert.deepEqual(
      problems.map((p) => [span(p.range), p.message.split(':')[0], p.related?.[0].message]),
      [
        ['8:7-8:10', "Invalid component name 'api'", "component 'Api' is declared here"],
        ['9:7-9:10', "Invalid component name 'VPC'", "component 'vpc' is declared here"],
      ],
    );
  });

  test('one component name in two types, and names that differ by more than case, are fine', () => {
    const problems = withCode(
      check(
        'deployment:\n  name: x\n  components:\n    terraform:\n      api: {}\n    helmfile:\n      api: {}\n  targets:\n    prod: {}\n    prod-eu: {}\n    Dev: {}\n',
      ),
      'invalid-name',
    );
    assert.deepEqual(problems, []);
  });
});
