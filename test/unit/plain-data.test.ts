/**
 * `plainData` (core/plain-data.ts) turns a document into the same value as `yaml`'s own
 * `toJS`, which the schema check and the model's `vars` and `context` read, or declines
 * (NOT_PLAIN) so that the caller asks `yaml`. Any difference would change what `schema` and
 * `unknown-key` report, so it is compared with `toJS` on hand-written cases and on random
 * documents, own properties and prototypes included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';
import { NOT_PLAIN, plainData, plainSchema } from '../../server/src/core/plain-data';

const OPTIONS = { uniqueKeys: false, prettyErrors: false, keepSourceTokens: false } as const;

/** Equal values with the same own keys in the same order and the same prototypes, deeply. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object')
    return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) =>
    sameData((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]),
  );
}

/** What `plainData` gives for a text, beside what `toJS` gives. */
function both(text: string): { mine: unknown; theirs: unknown; plainSchema: boolean } {
  const doc = parseDocument(text, OPTIONS);
  return {
    mine: plainSchema(doc) ? plainData(doc.contents) : NOT_PLAIN,
    theirs: doc.toJS({ maxAliasCount: 100 }),
    plainSchema: plainSchema(doc),
  };
}

describe('plain data', () => {
  it('equals toJS for mappings, lists and scalars of every core type', () => {
    const texts = [
      'deployment:\n  name: a\n  targets:\n    dev:\n      vars: {replicas: 2, cidr: "10.0.0.0/16"}\n',
      'a: [1, 2.5, .nan, -.inf, 0x10, 0o17, 1e3, true, ~, null, "", str]\n',
      'a:\nb: {}\nc: []\n? d\n',
      '1: x\ntrue: y\n~: z\n: v\n',
      'a: 1\na: 2\nb: {a: 1, a: {c: 3}}\n',
      '__proto__: {polluted: 1}\ntoString: 1\nconstructor: {a: 1}\nhasOwnProperty: 2\n',
      'a: &anchor {b: 1}\nc: !!str 12\nd: !unknown e\n',
      '- a\n- [b, {c: d}]\n- - e\n',
      '"quoted key": |\n  block\n  text\nfolded: >\n  one\n  two\n',
    ];
    for (const text of texts) {
      const { mine, theirs } = both(text);
      assert.notEqual(mine, NOT_PLAIN, text);
      assert.ok(
        sameData(mine, theirs),
        `${text}\n${JSON.stringify(mine)}\n${JSON.stringify(theirs)}`,
      );
    }
  });

  it('declines what it does not read as toJS does, so that toJS is asked', () => {
    const declined = [
      'a: &x {b: 1}\nc: *x\n', // an alias
      '? [a, b]\n: c\n', // a key that is a list
      '? {a: 1}\n: c\n', // a key that is a mapping
    ];
    for (const text of declined) {
      const { mine, plainSchema: core } = both(text);
      assert.ok(core, text);
      assert.equal(mine, NOT_PLAIN, text);
    }
    // Converted or declined, but never different: a one-pair mapping inside a flow list, and
    // tags the core schema does not know (read as a mapping or a string, with a warning).
    for (const text of ['a: [b: c, d]\n', 'a: !!set {b, c}\n', 'a: !!omap [b: 1]\n']) {
      const { mine, theirs } = both(text);
      if (mine !== NOT_PLAIN) assert.ok(sameData(mine, theirs), text);
    }
    // YAML 1.1 reads merge keys, sets and timestamps: not the core schema, never converted here.
    assert.equal(both('%YAML 1.1\n---\na: {<<: {b: 1}}\n').plainSchema, false);
  });

  it('equals toJS on random documents', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('__proto__', 'toString', 'constructor', '1', 'true', 'null', '~', ''),
    );
    const leaf = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('tree'), { maxLength: 4 }),
        fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(tree, fc.boolean(), (value, flow) => {
        const text = stringify(value, flow ? { collectionStyle: 'flow' } : {});
        const { mine, theirs } = both(text);
        if (mine === NOT_PLAIN) return true;
        return sameData(mine, theirs);
      }),
      { numRuns: 500, seed: 18 },
    );
  });
});
