// Unit tests for schemas/deployment.schema.json and the YAML injection grammar.
// Run: npx tsx --test test/unit/schema.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/deployment.schema.json'), 'utf8'));
const grammar = JSON.parse(
  readFileSync(join(root, 'syntaxes/deployment.injection.tmLanguage.json'), 'utf8'),
);

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function check(yamlText: string): ErrorObject[] {
  const ok = validate(parse(yamlText));
  return ok ? [] : [...(validate.errors ?? [])];
}

/** keyword@instancePath of each error, for exact comparisons. */
function summary(errors: ErrorObject[]): string[] {
  return errors.map((e) => `${e.keyword}@${e.instancePath}`);
}

// ---------------------------------------------------------------------------
// The spec's examples (spec/target-promotion.md) are valid.

const specExamples: Record<string, string> = {
  'linear dev → staging → prod with labels and context': `
# deployments/payment-service.yaml
deployment:
  name: payment-service

  targets:
    dev:
      # No promotion config = entry point
      labels:
        environment: dev
      context:
        cpu: 256
        memory: 512

    staging:
      promotion:
        from: dev  # Can only promote from dev
      labels:
        environment: staging
      context:
        cpu: 512
        memory: 1024

    prod:
      promotion:
        from: staging  # Must promote from staging
        requires_approval: true  # Atmos Pro approval required
      labels:
        environment: prod
      context:
        cpu: 2048
        memory: 4096
`,
  'multiple sources with allowed_from': `
deployment:
  name: payment-service
  targets:
    dev:
      # Entry point

    qa:
      promotion:
        from: dev

    staging:
      promotion:
        allowed_from: [dev, qa]  # Can promote from either dev or qa

    prod:
      promotion:
        from: staging
        requires_approval: true
`,
  'per-deployment targets: payment-service': `
# deployments/payment-service.yaml
deployment:
  name: payment-service
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
`,
  'per-deployment targets: experimental-feature': `
# deployments/experimental-feature.yaml
deployment:
  name: experimental-feature
  targets:
    dev: {}
    canary:
      promotion:
        from: dev
    prod:
      promotion:
        from: canary
        requires_approval: true
`,
  'no promotion restrictions (null targets)': `
deployment:
  name: debug-tools
  targets:
    dev:
      # No restrictions - can deploy any commit

    debug:
      # No restrictions - can deploy any commit for debugging
`,
  'manual approvals': `
deployment:
  name: payment-service
  targets:
    staging: {}
    prod:
      promotion:
        from: staging
        requires_approval: true
        approval_method: manual  # CLI prompts for confirmation
`,
  'every deployment key': `
deployment:
  name: api
  description: REST API service
  labels:
    team: payments
  stacks: [platform/vpc, platform/eks]
  context:
    default_target: dev
    promote_by: git_sha
  vendor:
    components: []
  components:
    terraform:
      ecs/api:
        vars: { desired_count: 2 }
    helmfile:
      ingress: {}
    nixpack:
      api:
        vars: { source: ./services/api }
  targets:
    dev:
      vars: { log_level: debug }
`,
};

for (const [name, text] of Object.entries(specExamples)) {
  test(`valid: ${name}`, () => {
    assert.deepEqual(check(text), []);
  });
}

test('the dev: (null) target really is null, and is valid', () => {
  const doc = parse(specExamples['no promotion restrictions (null targets)']);
  assert.equal(doc.deployment.targets.dev, null);
  assert.ok(validate(doc));
});

test('rules owned by other diagnostics are not encoded in the schema', () => {
  // promotion-exclusive and empty-allowed-from report these with their own codes.
  assert.deepEqual(
    check(`
deployment:
  name: x
  targets:
    dev: {}
    qa: {}
    staging:
      promotion: { from: dev, allowed_from: [qa] }
    prod:
      promotion: { allowed_from: [] }
`),
    [],
  );
});

// ---------------------------------------------------------------------------
// Wrong shapes are reported with the expected keyword and instancePath.

const invalid: { name: string; yaml: string; expect: string[]; param?: [string, unknown] }[] = [
  {
    name: 'requires_approval: "yes"',
    yaml: `
deployment:
  name: x
  targets:
    prod:
      promotion:
        requires_approval: "yes"
`,
    expect: ['type@/deployment/targets/prod/promotion/requires_approval'],
  },
  {
    name: 'allowed_from: dev (a string, not a list)',
    yaml: `
deployment:
  name: x
  targets:
    staging:
      promotion:
        allowed_from: dev
`,
    expect: ['type@/deployment/targets/staging/promotion/allowed_from'],
  },
  {
    name: 'targets as a list',
    yaml: `
deployment:
  name: x
  targets:
    - dev
    - prod
`,
    expect: ['type@/deployment/targets'],
  },
  {
    name: 'unknown key in a target',
    yaml: `
deployment:
  name: x
  targets:
    dev:
      replicas: 3
`,
    expect: ['additionalProperties@/deployment/targets/dev'],
    param: ['additionalProperty', 'replicas'],
  },
  {
    name: 'unknown key in promotion',
    yaml: `
deployment:
  name: x
  targets:
    dev: {}
    prod:
      promotion:
        from: dev
        reviewers: [alice]
`,
    expect: ['additionalProperties@/deployment/targets/prod/promotion'],
    param: ['additionalProperty', 'reviewers'],
  },
  {
    name: 'min_approvals: 0',
    yaml: `
deployment:
  name: x
  targets:
    prod:
      promotion:
        requires_approval: true
        min_approvals: 0
`,
    expect: ['minimum@/deployment/targets/prod/promotion/min_approvals'],
  },
  {
    name: 'approvers as one string',
    yaml: `
deployment:
  name: x
  targets:
    prod:
      promotion:
        requires_approval: true
        approvers: alice@example.com
`,
    expect: ['type@/deployment/targets/prod/promotion/approvers'],
  },
  {
    name: 'missing deployment.name',
    yaml: `
deployment:
  targets:
    dev: {}
`,
    expect: ['required@/deployment'],
    param: ['missingProperty', 'name'],
  },
  {
    name: 'approval_method: auto',
    yaml: `
deployment:
  name: x
  targets:
    prod:
      promotion:
        requires_approval: true
        approval_method: auto
`,
    expect: ['enum@/deployment/targets/prod/promotion/approval_method'],
    param: ['allowedValues', ['manual', 'review']],
  },
];

for (const c of invalid) {
  test(`invalid: ${c.name}`, () => {
    const errors = check(c.yaml);
    assert.deepEqual(summary(errors), c.expect);
    if (c.param) {
      const [key, value] = c.param;
      assert.deepEqual((errors[0].params as Record<string, unknown>)[key], value);
    }
  });
}

// ---------------------------------------------------------------------------
// Every property has hover help (description) and examples, and the examples are valid.

type Schema = Record<string, unknown>;

/** Every [JSON pointer, subschema] pair reachable through the schema's keywords. */
function walk(node: unknown, pointer: string, out: [string, Schema][]): [string, Schema][] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return out;
  const s = node as Schema;
  out.push([pointer, s]);
  for (const key of ['properties', '$defs', 'patternProperties']) {
    const map = s[key] as Record<string, unknown> | undefined;
    for (const [name, sub] of Object.entries(map ?? {}))
      walk(sub, `${pointer}/${key}/${name}`, out);
  }
  for (const key of ['items', 'additionalProperties']) {
    if (s[key] && typeof s[key] === 'object') walk(s[key], `${pointer}/${key}`, out);
  }
  return out;
}

const nodes = walk(schema, '', []);
const propertyPointers = nodes
  .map(([p]) => p)
  .filter((p) => /\/(properties|\$defs)\/[^/]+$/.test(p));

test('the schema walk finds the properties it should', () => {
  for (const p of [
    '/properties/deployment/properties/name',
    '/properties/deployment/properties/context/properties/promote_by',
    '/properties/deployment/properties/components/properties/nixpack',
    '/$defs/target/properties/promotion',
    '/$defs/promotion/properties/allowed_from',
    '/$defs/promotion/properties/approval_method',
  ]) {
    assert.ok(propertyPointers.includes(p), p);
  }
  assert.ok(propertyPointers.length >= 25, `only ${propertyPointers.length} properties`);
});

test('every property has a description and examples', () => {
  const missing: string[] = [];
  for (const [pointer, s] of nodes) {
    if (!/\/(properties|\$defs)\/[^/]+$/.test(pointer)) continue;
    if (typeof s.description !== 'string' || (s.description as string).length < 20) {
      missing.push(`${pointer}: description`);
    }
    if (!Array.isArray(s.examples) || s.examples.length === 0) missing.push(`${pointer}: examples`);
  }
  assert.deepEqual(missing, []);
});

test('every examples entry is valid against its own subschema', () => {
  const bad: string[] = [];
  for (const [pointer, s] of nodes) {
    if (!Array.isArray(s.examples)) continue;
    const v = ajv.getSchema(`${schema.$id}#${pointer}`);
    assert.ok(v, `no schema at ${pointer}`);
    s.examples.forEach((ex, i) => {
      if (!v(ex)) bad.push(`${pointer}/examples/${i}: ${ajv.errorsText(v.errors)}`);
    });
  }
  assert.deepEqual(bad, []);
});

test('promotion keys carry markdown hover help and defaults', () => {
  const promotion = schema.$defs.promotion.properties;
  for (const key of ['from', 'allowed_from', 'requires_approval', 'approval_method']) {
    assert.equal(typeof promotion[key].markdownDescription, 'string', key);
  }
  assert.equal(promotion.approval_method.default, 'manual');
  assert.deepEqual(promotion.approval_method.enum, ['manual', 'review']);
  assert.equal(promotion.requires_approval.default, false);
});

// ---------------------------------------------------------------------------
// The injection grammar.

test('grammar is an injection into YAML with the expected scope name', () => {
  assert.equal(grammar.scopeName, 'atmos.deployments.injection');
  assert.match(grammar.injectionSelector, /^L:source\.yaml\b/);
  assert.ok(Array.isArray(grammar.patterns) && grammar.patterns.length > 0);
  for (const p of grammar.patterns) {
    const ref = String(p.include).replace(/^#/, '');
    assert.ok(grammar.repository[ref], `missing repository entry ${ref}`);
  }
});

/** Scope names the grammar gives to `line`, found by running its (JS-compatible) regexes. */
function scopesOf(line: string): Record<string, string> {
  for (const p of grammar.patterns) {
    const rule = grammar.repository[String(p.include).replace(/^#/, '')];
    const m = new RegExp(rule.match).exec(line);
    if (!m) continue;
    const out: Record<string, string> = {};
    for (const [i, c] of Object.entries(rule.captures as Record<string, { name: string }>)) {
      if (m[Number(i)] !== undefined) out[m[Number(i)]] = c.name;
    }
    return out;
  }
  return {};
}

test('grammar claims the deployment keys and nothing else', () => {
  const keys = [
    'deployment',
    'targets',
    'promotion',
    'from',
    'allowed_from',
    'requires_approval',
    'approval_method',
  ];
  for (const key of keys) {
    const scopes = scopesOf(`    ${key}: x`);
    assert.match(scopes[key] ?? '', /^entity\.name\.tag\.yaml (keyword)\.[a-z.]+\.atmos\./, key);
    assert.equal(scopes[':'], 'punctuation.separator.key-value.mapping.yaml', key);
  }
  assert.equal(
    scopesOf('deployment:').deployment,
    'entity.name.tag.yaml keyword.other.atmos.section.yaml',
  );
  assert.equal(scopesOf('  - from: dev')['-'], 'punctuation.definition.block.sequence.item.yaml');
  assert.equal(
    scopesOf('      from: staging  # note').staging,
    'entity.name.type.atmos.target.yaml',
  );
  assert.equal(
    scopesOf('      from: "staging"').from,
    'entity.name.tag.yaml keyword.control.flow.atmos.promotion.yaml',
  );
  for (const line of [
    '    name: payment-service',
    '    fromage: brie',
    '    xfrom: a',
    '  targets_x: 1',
    '  from:dev',
  ]) {
    assert.deepEqual(scopesOf(line), {}, line);
  }
});
