// One section per diagnostic code of design section 3: inputs that trigger it, with the exact
// range marked in the YAML (`⟦…⟧`), and near-misses that must stay silent.
// Run: npx tsx --test test/unit/rules.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODES,
  SEVERITY,
  WorkspaceIndex,
  parseDeploymentFile,
  validateFile,
  validationSteps,
} from '../../server/src/core';
import fc from 'fast-check';
import { isPair, visit, type Node } from 'yaml';
import { RULES } from '../../server/src/core/rules';
import { duplicateKey } from '../../server/src/core/rules/duplicate-key';
import { scalarString } from '../../server/src/core/parse';
import { rangeOf } from '../../server/src/core/text';
import type { DeploymentFile } from '../../server/src/core';
import { brief, check, dedent, expectAt, expectClean, fixture, span, withCode } from './helpers';

test('design section 3 and after: eighteen codes, one rule each, with the documented severities', () => {
  assert.equal(CODES.length, 18);
  assert.deepEqual(Object.keys(RULES).sort(), [...CODES].sort());
  const warnings = CODES.filter((c) => SEVERITY[c] === 'warning').sort();
  assert.deepEqual(warnings, [
    'approver-no-key',
    'duplicate-source',
    'recorded-component-conflict',
    'unknown-key',
  ]);
});

describe('yaml-syntax', () => {
  // The parser notices the missing `]` at the end of the file; the user has to find the `[`.
  test('an unclosed flow sequence is reported at its `[`', () => {
    const [p] = expectAt(
      'yaml-syntax',
      `
      deployment:
        name: x
        targets:
          dev:
            promotion:
              allowed_from: ⟦[qa⟧
      `,
      ['schema', 'unknown-source'],
    );
    assert.equal(p.severity, 'error');
    assert.match(p.message, /^This '\[' is never closed: end the list with '\]'/);
    assert.doesNotMatch(p.message, /at line \d+/, 'the range says where, not the message');
  });

  test('past a syntax error only syntax errors are reported; problems before it stand', () => {
    // A key missing its `:` makes the parser read `staging promotion` as one key; the rules
    // would report an invalid name, an unknown key and a source listing that name.
    const text = dedent(`
      deployment:
        name: x
        colour: blue
        targets:
          dev: {}
          staging
            promotion:
              from: dev
          prod:
            promotion:
              from: stagin
      `);
    assert.deepEqual(brief(check(text)), [
      'unknown-key warning 3:3-3:9',
      'yaml-syntax error 6:5-7:16',
    ]);
    // Without the syntax error, the rules report what is really wrong after it.
    assert.deepEqual(
      brief(check(text.replace('    staging\n', '    staging:\n'))).map((b) => b.split(' ')[0]),
      ['unknown-key', 'unknown-source'],
    );
  });

  test('each parser error keeps its own range', () => {
    const problems = withCode(check('deployment:\n  name: x\n  a: b: c\n  d: ]\n'), 'yaml-syntax');
    assert.deepEqual(
      problems.map((p) => `${span(p.range)} ${p.message}`),
      [
        '3:6-3:7 Nested mappings are not allowed in compact mappings',
        '4:6-4:7 Unexpected flow-seq-end token in YAML stream: "]"',
      ],
    );
  });

  test('a tab used for indentation is a syntax problem on that line', () => {
    const problems = withCode(check('deployment:\n\tname: x\n'), 'yaml-syntax');
    assert.ok(problems.length >= 1);
    assert.equal(problems[0].range.start.line, 1);
  });

  test('near-miss: a tab inside a quoted value and a comment is fine', () => {
    expectClean('deployment:\n  name: x # a\tcomment\n  description: "tab\there"\n');
  });
});

describe('duplicate-key', () => {
  test('two targets with one name: on the second key, first as related', () => {
    const [p] = expectAt(
      'duplicate-key',
      `
      deployment:
        name: x
        targets:
          dev: {}
          ⟦dev⟧:
            labels: {}
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Target 'dev' is defined twice (first at line 4). Rename or remove one; YAML keeps only the last.",
    );
    assert.deepEqual(
      p.related?.map((r) => [span(r.range), r.message]),
      [['4:5-4:8', "first 'dev'"]],
    );
  });

  test('a repeated key elsewhere names the key, and every repeat is reported', () => {
    const problems = expectAt(
      'duplicate-key',
      `
      deployment:
        name: x
        ⟦name⟧: y
        targets:
          dev:
            promotion:
              from: a
              ⟦from⟧: b
      `,
      ['unknown-source'],
    );
    assert.equal(
      problems[0].message,
      "Key 'name' appears twice in this mapping (first at line 2). Remove one; YAML keeps only the last.",
    );
    assert.equal(span(problems[1].related![0].range), '7:9-7:13');
  });

  test('finds what the yaml `visit` walk it replaced found, on random nested documents', () => {
    /** The rule as it was, walking with yaml's `visit`, kept as the reference. */
    function reference(file: DeploymentFile) {
      const found: Array<[string, string, string]> = [];
      if (!file.doc) return found;
      const at = (n: Node) => span(rangeOf(file.positionAt, n.range![0], n.range![1]));
      visit(file.doc, {
        Map(_key, map, path) {
          const first = new Map<string, Node>();
          const parent = path[path.length - 1];
          const parentKey = isPair(parent) ? scalarString(parent.key) : undefined;
          for (const pair of map.items) {
            const name = scalarString(pair.key);
            const keyNode = pair.key as Node | null;
            if (name === undefined || !keyNode?.range) continue;
            const prev = first.get(name);
            if (!prev) first.set(name, keyNode);
            else found.push([at(keyNode), at(prev), parentKey === 'targets' ? 'target' : 'key']);
          }
        },
      });
      return found.sort();
    }
    const key = fc.constantFrom('targets', 'dev', 'prod', 'from', 'a', '1', 'true');
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('x', '1', '{}', '[]'),
        fc.array(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4 }),
        fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((items) => ({ seq: items })),
      ),
    })).node;
    /** Block YAML for a tree: arrays of [key, value] are mappings, `{ seq }` sequences. */
    const render = (n: unknown, indent: string): string => {
      if (typeof n === 'string') return ` ${n}\n`;
      if (Array.isArray(n))
        return `\n${n.map(([k, v]) => `${indent}${k}:${render(v, `${indent}  `)}`).join('')}`;
      const { seq } = n as { seq: unknown[] };
      return `\n${seq.map((v) => `${indent}-${render(v, `${indent}  `)}`).join('')}`;
    };
    let withDuplicates = 0;
    fc.assert(
      fc.property(tree, (t) => {
        const text = `deployment:${render(t, '  ')}`;
        const file = parseDeploymentFile(text, 'random.yaml');
        const got = duplicateKey({ file } as never)
          .map((p): [string, string, string] => [
            span(p.range),
            span(p.related![0].range),
            p.message.startsWith('Target') ? 'target' : 'key',
          ])
          .sort();
        assert.deepEqual(got, reference(file), text);
        if (got.length) withDuplicates++;
      }),
      { seed: 7, numRuns: 1500 },
    );
    // The generator has to produce repeats often for the comparison to mean anything.
    assert.ok(withDuplicates > 300, `only ${withDuplicates} of 1500 documents had a repeat`);
  });

  test('near-miss: the same key in two different mappings', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          dev:
            labels: { env: dev }
          prod:
            labels: { env: prod }
      `),
    );
  });
});

describe('schema', () => {
  test('a missing name is reported on the deployment key', () => {
    const [p] = expectAt(
      'schema',
      `
      ⟦deployment⟧:
        targets: {}
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(p.message, "Missing required key 'name' in deployment.");
  });

  test('a wrong type is reported on the value', () => {
    const [p] = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          prod:
            promotion:
              requires_approval: ⟦yes please⟧
      `,
    );
    assert.equal(
      p.message,
      "'requires_approval' in target 'prod' (promotion) must be a boolean (true or false), not the text 'yes please'.",
    );
  });

  test('an approval method other than manual or review is refused with the allowed values', () => {
    const [p] = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          prod:
            promotion:
              approval_method: ⟦slack⟧
      `,
    );
    assert.equal(p.message, "'approval_method' must be one of: manual, review.");
  });

  test('near-miss: requires_approval: false and approval_method: manual are fine', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          prod:
            promotion:
              requires_approval: false
              approval_method: manual
      `),
    );
  });
});

describe('schema: promotion keys are safety keys (design section 11)', () => {
  test('an unknown key inside promotion with no close match is an error too', () => {
    const [p] = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          prod:
            promotion:
              ⟦gate⟧: strict
      `,
    );
    assert.equal(
      p.message,
      "Unknown key 'gate' in target 'prod' (promotion): a promotion rule this tool does not know is not enforced. Known keys: from, allowed_from, requires_approval, approval_method, approvers, min_approvals.",
    );
  });

  test('requires_approval directly under a target: an error saying prod needs no approval', () => {
    const [p] = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          staging: {}
          prod:
            ⟦requires_approval⟧: true
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "'requires_approval' belongs under 'promotion:'; here it does nothing, so prod needs no approval.",
    );
    assert.deepEqual(p.data, {
      key: 'requires_approval',
      target: 'prod',
      fix: 'move-to-promotion',
    });
  });

  test('each key says what it fails to do, for the target it was meant for', () => {
    const problems = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          staging: {}
          prod:
            ⟦from⟧: staging
            ⟦allowed_from⟧: [staging]
            ⟦approval_method⟧: manual
            ⟦approvers⟧: [alice@example.com]
            ⟦min_approvals⟧: 2
          qa:
            ⟦from⟧: staging
            promotion:
              allowed_from: [staging]
      `,
    );
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        "'from' belongs under 'promotion:'; here it does nothing, so prod takes any source, a plain commit included.",
        "'allowed_from' belongs under 'promotion:'; here it does nothing, so prod takes any source, a plain commit included.",
        "'approval_method' belongs under 'promotion:'; here it does nothing, so prod uses the method its 'promotion:' sets (manual when it sets none).",
        "'approvers' belongs under 'promotion:'; here it does nothing, so nobody listed here is an approver for prod.",
        "'min_approvals' belongs under 'promotion:'; here it does nothing, so prod does not require this number of approvals.",
        "'from' belongs under 'promotion:'; here it does nothing, so qa takes only the sources its 'promotion:' names.",
      ],
    );
  });

  test('anywhere else: deployment level, under targets, in context, vars and labels', () => {
    const problems = expectAt(
      'schema',
      `
      deployment:
        name: x
        ⟦requires_approval⟧: true
        context:
          default_target: dev
          ⟦from⟧: dev
        labels:
          ⟦approvers⟧: alice
        targets:
          ⟦allowed_from⟧: [dev]
          dev: {}
          prod:
            vars:
              ⟦requires_approval⟧: true
            labels:
              ⟦min_approvals⟧: "2"
            context:
              nested:
                ⟦approval_method⟧: manual
      `,
    );
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        "'requires_approval' belongs under a target's 'promotion:', not under 'deployment'; here it does nothing, so no target needs approval because of it.",
        "'from' belongs under a target's 'promotion:', not under 'deployment.context'; here it does nothing, so it restricts no target's sources.",
        "'approvers' belongs under a target's 'promotion:', not under 'deployment.labels'; here it does nothing, so nobody listed here is an approver for any target.",
        "'allowed_from' belongs under a target's 'promotion:', not under 'deployment.targets'; here it does nothing, so it restricts no target's sources.",
        "'requires_approval' belongs under 'promotion:', not under 'vars'; here it does nothing, so prod needs no approval.",
        "'min_approvals' belongs under 'promotion:', not under 'labels'; here it does nothing, so prod does not require this number of approvals.",
        "'approval_method' belongs under 'promotion:', not under 'context.nested'; here it does nothing, so prod uses the method its 'promotion:' sets (manual when it sets none).",
      ],
    );
    // Only a key written directly under a target can be moved by the quick fix.
    assert.ok(problems.every((p) => p.data?.fix === undefined));
  });

  test('a misspelt promotion key directly under a target is an error with a suggestion', () => {
    const [p] = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          prod:
            ⟦requires_aproval⟧: true
      `,
    );
    assert.equal(
      p.message,
      "Unknown key 'requires_aproval' in target 'prod'. Did you mean 'requires_approval'? It belongs under 'promotion:'; here it does nothing, so prod needs no approval.",
    );
  });

  test('target names go through displayName in these messages', () => {
    const [p] = withCode(
      check(
        'deployment:\n  name: x\n  targets:\n    "p\\u202Ed":\n      requires_approval: true\n',
      ),
      'schema',
    );
    assert.equal(
      p.message,
      "'requires_approval' belongs under 'promotion:'; here it does nothing, so p\\u202Ed needs no approval.",
    );
  });

  test('an unknown key inside promotion is shown through displayName too', () => {
    const [p] = withCode(
      check(
        'deployment:\n  name: x\n  targets:\n    prod:\n      promotion:\n        "gate\\u202E": x\n',
      ),
      'schema',
    );
    assert.ok(!p.message.includes('\u202E'), p.message);
    assert.match(p.message, /^Unknown key 'gate\\u202E' in target 'prod' \(promotion\)/);
  });

  test('approvers and min_approvals are known under promotion, with their types', () => {
    const problems = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          staging: {}
          prod:
            promotion:
              from: staging
              requires_approval: true
              approvers: ⟦alice@example.com⟧
              min_approvals: ⟦0⟧
      `,
    );
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        "'approvers' in target 'prod' (promotion) must be an array (a list such as [dev, qa]), not the text 'alice@example.com'.",
        "'min_approvals' in target 'prod' (promotion) must be at least 1, not number 0.",
      ],
    );
  });

  test('near-miss: promotion keys in promotion, a target named from, component vars', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        components:
          terraform:
            vpc:
              vars:
                from: 10.0.0.0/16
                approvers: [ops]
        vendor:
          from: upstream
        targets:
          from: {}
          dev:
            promotion:
              from: from
          prod:
            promotion:
              from: dev
              requires_approval: true
              approval_method: manual
              approvers: [alice@example.com, bob@example.com]
              min_approvals: 2
      `),
    );
  });
});

describe('unknown-key', () => {
  test('a misspelt key is a warning on the key, with a suggestion', () => {
    const [p] = expectAt(
      'unknown-key',
      `
      deployment:
        name: x
        ⟦targts⟧: {}
      `,
    );
    assert.equal(p.severity, 'warning');
    assert.equal(
      p.message,
      "Unknown key 'targts' in deployment. Did you mean 'targets'? Known keys: name, description, labels, stacks, context, vendor, components, targets.",
    );
    assert.deepEqual(p.data, { key: 'targts', suggestion: 'targets' });
  });

  test('an unknown key inside promotion is a schema error that names the target', () => {
    const [p] = expectAt(
      'schema',
      `
      deployment:
        name: x
        targets:
          dev: {}
          prod:
            promotion:
              from: dev
              ⟦requires_aproval⟧: true
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Unknown key 'requires_aproval' in target 'prod' (promotion): it does nothing, so prod needs no approval. Did you mean 'requires_approval'? Known keys: from, allowed_from, requires_approval, approval_method, approvers, min_approvals.",
    );
    assert.deepEqual(p.data, { key: 'requires_aproval', suggestion: 'requires_approval' });
  });

  test('near-miss: every documented key is known', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        description: all keys
        labels: { team: a }
        stacks: [dev-us]
        context: { default_target: dev, promote_by: sha }
        vendor: {}
        components:
          terraform: { vpc: {} }
          helmfile: { api: {} }
          nixpack: { web: {} }
        targets:
          dev:
            labels: { env: dev }
            context: { cpu: 1 }
            vars: { a: 1 }
      `),
    );
  });
});

describe('promotion-exclusive', () => {
  test('both from and allowed_from: on the from key, allowed_from as related', () => {
    const [p] = expectAt(
      'promotion-exclusive',
      `
      deployment:
        name: x
        targets:
          dev: {}
          qa: {}
          prod:
            promotion:
              ⟦from⟧: dev
              allowed_from: [qa]
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Target 'prod': cannot specify both 'from' and 'allowed_from'. Keep 'from' for a single source, or 'allowed_from' for several.",
    );
    assert.deepEqual(
      p.related?.map((r) => [span(r.range), r.message]),
      [['9:9-9:21', "'allowed_from' of target 'prod'"]],
    );
  });

  test('near-miss: from: dev alone, and allowed_from alone', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          dev: {}
          qa: {}
          staging:
            promotion:
              from: dev
          prod:
            promotion:
              allowed_from: [qa, staging]
      `),
    );
  });
});

describe('unknown-source', () => {
  test('a misspelt source is reported on the value, with a suggestion and the known targets', () => {
    const [p] = expectAt(
      'unknown-source',
      `
      deployment:
        name: payment-service
        targets:
          dev: {}
          prod:
            promotion:
              from: ⟦dve⟧
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Target 'prod': promotion source 'dve' does not exist in deployment payment-service. Did you mean 'dev'? Known targets: dev, prod.",
    );
    assert.deepEqual(p.data, { target: 'prod', source: 'dve', suggestion: 'dev' });
  });

  test('each unknown allowed_from item is reported on its own item', () => {
    const problems = expectAt(
      'unknown-source',
      `
      deployment:
        name: x
        targets:
          dev: {}
          prod:
            promotion:
              allowed_from:
                - ⟦zzzzzz⟧
                - dev
                - ⟦other-deployment/prod⟧
      `,
    );
    assert.doesNotMatch(problems[0].message, /Did you mean/);
    assert.match(problems[1].message, /Promotion across deployments is not allowed\./);
  });

  test('near-miss: sources declared after the target that uses them', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          prod:
            promotion:
              from: staging
          staging:
            promotion:
              from: dev
          dev: {}
      `),
    );
  });
});

describe('self-promotion', () => {
  test('from: itself is reported on the value', () => {
    const [p] = expectAt(
      'self-promotion',
      `
      deployment:
        name: x
        targets:
          prod:
            promotion:
              from: ⟦prod⟧
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Target 'prod' lists itself as a promotion source. Remove it: a target cannot promote from itself.",
    );
  });

  test('inside allowed_from it is reported on the item (and not as a cycle)', () => {
    expectAt(
      'self-promotion',
      `
      deployment:
        name: x
        targets:
          dev: {}
          prod:
            promotion:
              allowed_from: [dev, ⟦prod⟧]
      `,
    );
  });

  test('near-miss: a target whose name contains another target name', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          prod: {}
          prod-eu:
            promotion:
              from: prod
      `),
    );
  });
});

describe('promotion-cycle', () => {
  test('a two-target cycle: one problem per edge, each naming the cycle, the other edge related', () => {
    const problems = expectAt(
      'promotion-cycle',
      `
      deployment:
        name: x
        targets:
          dev:
            promotion:
              from: ⟦staging⟧
          staging:
            promotion:
              from: ⟦dev⟧
      `,
    );
    for (const p of problems) {
      assert.equal(p.severity, 'error');
      assert.equal(
        p.message,
        'Circular promotion path detected: dev → staging → dev. Remove one of these sources to break the cycle.',
      );
    }
    assert.deepEqual(
      problems.map((p) => p.related?.map((r) => `${span(r.range)} ${r.message}`)),
      [['9:15-9:18 dev → staging'], ['6:15-6:22 staging → dev']],
    );
  });

  test('a three-target cycle through allowed_from reports three edges', () => {
    const problems = expectAt(
      'promotion-cycle',
      `
      deployment:
        name: x
        targets:
          a:
            promotion:
              allowed_from: [⟦c⟧]
          b:
            promotion:
              from: ⟦a⟧
          c:
            promotion:
              from: ⟦b⟧
      `,
    );
    for (const p of problems) {
      assert.match(p.message, /a → b → c → a\./);
      assert.equal(p.related?.length, 2);
    }
  });

  test('near-miss: a diamond (dev → qa, dev → staging, qa → staging) is not a cycle', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          dev: {}
          qa:
            promotion:
              from: dev
          staging:
            promotion:
              allowed_from: [dev, qa]
      `),
    );
  });
});

describe('empty-allowed-from', () => {
  test('allowed_from: [] is reported on the empty list', () => {
    const [p] = expectAt(
      'empty-allowed-from',
      `
      deployment:
        name: x
        targets:
          prod:
            promotion:
              allowed_from: ⟦[]⟧
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Target 'prod': 'allowed_from' is empty, so nothing could ever be promoted to it. List at least one source target, or remove 'promotion' to make it an entry point.",
    );
  });

  test('near-miss: a one-item list', () => {
    expectClean(
      'deployment:\n  name: x\n  targets:\n    dev: {}\n    prod:\n      promotion:\n        allowed_from: [dev]\n',
    );
  });

  // A list whose entries are not names is a schema error on each entry; it used to be called
  // empty as well, which sends the user looking for a list that is not there.
  test('a list of entries that are not names is a schema error, not an empty list', () => {
    for (const list of ['[[dev]]', '[{a: b}]', '[[]]', '[~]', '["x": y]', '\n          - [dev]']) {
      const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    prod:\n      promotion:\n        allowed_from: ${list}\n`;
      const codes = check(text).map((p) => p.code);
      assert.ok(codes.includes('schema'), `${list}: ${codes.join(', ')}`);
      assert.ok(!codes.includes('empty-allowed-from'), `${list}: ${codes.join(', ')}`);
    }
  });
});

describe('duplicate-source', () => {
  test('a repeat is a warning on the repeat, the first as related', () => {
    const [p] = expectAt(
      'duplicate-source',
      `
      deployment:
        name: x
        targets:
          dev: {}
          qa: {}
          staging:
            promotion:
              allowed_from: [dev, qa, ⟦dev⟧]
      `,
    );
    assert.equal(p.severity, 'warning');
    assert.equal(
      p.message,
      "Target 'staging': 'dev' is listed more than once in 'allowed_from'. Remove the repeat.",
    );
    assert.deepEqual(
      p.related?.map((r) => [span(r.range), r.message]),
      [['8:24-8:27', "first 'dev'"]],
    );
    assert.equal(p.data?.index, '2');
  });

  test('near-miss: allowed_from: [dev, qa] has no repeats', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        targets:
          dev: {}
          qa: {}
          staging:
            promotion:
              allowed_from: [dev, qa]
      `),
    );
  });
});

describe('invalid-name', () => {
  test('a deployment name is reported on the value, a target and a component on the key', () => {
    const problems = expectAt(
      'invalid-name',
      `
      deployment:
        name: ⟦"a b"⟧
        components:
          terraform:
            ⟦-rm⟧: {}
        targets:
          ⟦a..b⟧: {}
      `,
    );
    assert.equal(
      problems[0].message,
      "Invalid deployment name 'a b': it contains a space. Names become git refs; use ASCII letters, digits, '-', '_' and '.'.",
    );
    assert.equal(
      problems[1].message,
      "Invalid component name '-rm': it starts with '-', which a command line would read as an option. Names become git refs; use ASCII letters, digits, '-', '_' and '.' (and '/' between parts).",
    );
    assert.equal(
      problems[2].message,
      "Invalid target name 'a..b': it contains '..'. Names become git refs; use ASCII letters, digits, '-', '_' and '.'.",
    );
    for (const p of problems) assert.equal(p.severity, 'error');
  });

  test('near-miss: prod.eu, prod_eu, v2 and a component ecs/api are valid', () => {
    expectClean(
      dedent(`
      deployment:
        name: payment.service_v2
        components:
          terraform:
            ecs/api: {}
        targets:
          prod.eu: {}
          prod_eu: {}
          v2: {}
      `),
    );
  });
});

describe('component-path-conflict', () => {
  test('ecs and ecs/api: on the longer name, ecs as related', () => {
    const [p] = expectAt(
      'component-path-conflict',
      `
      deployment:
        name: x
        components:
          terraform:
            ecs: {}
          helmfile:
            ⟦ecs/api⟧: {}
      `,
    );
    assert.equal(p.severity, 'error');
    assert.equal(
      p.message,
      "Components 'ecs' and 'ecs/api' would collide: the ref for 'ecs' would also have to be the folder holding 'ecs/api'. Rename one of them.",
    );
    assert.deepEqual(
      p.related?.map((r) => [span(r.range), r.message]),
      [['5:7-5:10', "component 'ecs'"]],
    );
  });

  test('one name under two component types shares a ref', () => {
    const [p] = expectAt(
      'component-path-conflict',
      `
      deployment:
        name: x
        components:
          terraform:
            api: {}
          helmfile:
            ⟦api⟧: {}
      `,
    );
    assert.equal(
      p.message,
      "Component 'api' is declared under both terraform and helmfile; both would record to the same ref. Rename one.",
    );
    assert.equal(span(p.related![0].range), '5:7-5:10');
  });

  test('near-miss: ecs-api and ecs/api beside ecs-web share no ref path', () => {
    expectClean(
      dedent(`
      deployment:
        name: x
        components:
          terraform:
            ecs: {}
            ecs-api: {}
            ecsapi/web: {}
      `),
    );
  });
});

describe('duplicate-deployment', () => {
  const load = (name: string) =>
    parseDeploymentFile(fixture('rules', 'duplicate-deployment', 'deployments', name), name);

  test('two files with one name: each points at the other', () => {
    const index = new WorkspaceIndex();
    const a = load('payments-a.yaml');
    const b = load('payments-b.yaml');
    const other = load('other.yaml');
    for (const f of [a, b, other]) index.set(f);
    const [pa] = withCode(validateFile(a, { workspace: index }), 'duplicate-deployment');
    const [pb] = withCode(validateFile(b, { workspace: index }), 'duplicate-deployment');
    assert.equal(pa.severity, 'error');
    assert.equal(span(pa.range), '3:9-3:24');
    assert.equal(
      pa.message,
      "Deployment 'payment-service' is also declared in payments-b.yaml. Deployment names must be unique: rename one of them.",
    );
    assert.deepEqual(
      pa.related?.map((r) => [r.file, span(r.range), r.message]),
      [['payments-b.yaml', '2:9-2:24', "also declares 'payment-service'"]],
    );
    assert.equal(span(pb.range), '2:9-2:24');
    assert.equal(pb.related?.[0].file, 'payments-a.yaml');
    assert.deepEqual(validateFile(other, { workspace: index }), []);
  });

  test('near-miss: without a workspace, and after the other file is removed, it is silent', () => {
    const index = new WorkspaceIndex();
    const a = load('payments-a.yaml');
    const b = load('payments-b.yaml');
    index.set(a);
    index.set(b);
    assert.deepEqual(validateFile(a), []);
    index.delete('payments-b.yaml');
    assert.deepEqual(validateFile(a, { workspace: index }), []);
  });

  test('near-miss: re-indexing one file under the same name is not a duplicate', () => {
    const index = new WorkspaceIndex();
    const a = load('payments-a.yaml');
    index.set(a);
    index.set(load('payments-a.yaml'));
    assert.deepEqual(validateFile(a, { workspace: index }), []);
    assert.deepEqual(index.deploymentNames(), ['payment-service']);
  });
});

describe('ranges never cover the whole file', () => {
  test('every problem of a file with many problems spans at most one line', () => {
    const text = dedent(`
      deployment:
        name: "bad name"
        targts: {}
        components:
          terraform:
            ecs: {}
            ecs/api: {}
        targets:
          dev:
            promotion:
              from: dev
          qa:
            promotion:
              from: dev
              allowed_from: [dev, dev, nope]
          x:
            promotion:
              allowed_from: []
          a:
            promotion:
              from: b
          b:
            promotion:
              from: a
      `);
    const problems = check(text);
    const codes = new Set(problems.map((p) => p.code));
    for (const c of [
      'invalid-name',
      'unknown-key',
      'component-path-conflict',
      'self-promotion',
      'promotion-exclusive',
      'duplicate-source',
      'unknown-source',
      'empty-allowed-from',
      'promotion-cycle',
    ] as const)
      assert.ok(codes.has(c), `missing ${c}`);
    for (const p of problems)
      assert.equal(p.range.start.line, p.range.end.line, `${p.code} ${span(p.range)}`);
  });
});

describe('validation in steps (the language server runs an edit this way)', () => {
  test('it yields before the graph and after every rule, and returns what validateFile returns', () => {
    const text = dedent(`
      deployment:
        name: steps
        targets:
          dev: {}
          staging:
            promotion:
              from: nowhere
              allowed_from: [dev]
    `);
    const steps = validationSteps(parseDeploymentFile(text, 'deployments/steps.yaml'));
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    assert.equal(yields, Object.keys(RULES).length + 2);
    const expected = validateFile(parseDeploymentFile(text, 'deployments/steps.yaml'));
    assert.deepEqual(step.value, expected);
    assert.deepEqual([...new Set(expected.map((p) => p.code))].sort(), [
      'promotion-exclusive',
      'unknown-source',
    ]);
  });
});
