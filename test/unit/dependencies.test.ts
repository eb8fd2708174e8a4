// Component dependencies in the core: `metadata.depends_on` read into the model, the two rules
// that refuse what no deploy order can follow, the waves a rollout deploys in, and the vars a
// deploy command gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  componentDependencyView,
  dependencyRefusal,
  deployNeeds,
  deployVars,
  deployWaves,
  findTarget,
  type Deployment,
} from '../../server/src/core';
import { dedent, expectAt, expectClean, parse, check, withCode } from './helpers';

const APP = dedent(`
  deployment:
    name: app
    stacks: [plat/dev, plat/prod]
    components:
      terraform:
        vpc: { vars: { cidr: 10.0.0.0/16 } }
        ecr/api:
          metadata: { depends_on: [terraform/vpc] }
        db:
          metadata: { depends_on: [terraform/vpc] }
      helmfile:
        api:
          vars: { replicas: 1, resources: { cpu: 100, memory: 128 } }
          metadata:
            depends_on: [terraform/ecr/api, terraform/db]
        worker:
          metadata: { depends_on: [helmfile/api] }
    targets:
      dev: {}
      prod:
        context: { cpu: 2048, resources: { memory: 4096 } }
        vars: { replicas: 3 }
        promotion: { from: dev }
  `);

function model(text: string): Deployment {
  return parse(text).deployment!;
}

describe('metadata.depends_on in the model', () => {
  test('entries keep their type, name and range', () => {
    const d = expectClean(APP).deployment!;
    const api = d.components.find((c) => c.name === 'api')!;
    assert.deepEqual(
      api.dependsOn.map((r) => [r.value, r.type, r.name, r.index]),
      [
        ['terraform/ecr/api', 'terraform', 'ecr/api', 0],
        ['terraform/db', 'terraform', 'db', 1],
      ],
    );
    const r = api.dependsOn[0].range;
    assert.equal(APP.slice(r.start.offset, r.end.offset), 'terraform/ecr/api');
    assert.deepEqual(d.stacks, ['plat/dev', 'plat/prod']);
  });

  test('a depends_on that is not a list of strings is a schema error, and parsing goes on', () => {
    const text = APP.replace('depends_on: [helmfile/api]', 'depends_on: helmfile/api');
    const problems = check(text);
    assert.equal(withCode(problems, 'schema').length, 1);
    assert.deepEqual(model(text).components.find((c) => c.name === 'worker')!.dependsOn, []);
  });
});

describe('unknown-dependency', () => {
  test('an unknown component is reported on the entry, with the nearest name', () => {
    const [p] = expectAt(
      'unknown-dependency',
      `
      deployment:
        name: app
        components:
          terraform:
            vpc: {}
            api:
              metadata: { depends_on: [⟦terraform/vcp⟧] }
        targets: { dev: {} }
      `,
    );
    assert.match(
      p.message,
      /'terraform\/api' depends on 'terraform\/vcp'.*Did you mean 'terraform\/vpc'\?/,
    );
  });

  test('an entry without its type says how entries are written', () => {
    const [p] = expectAt(
      'unknown-dependency',
      `
      deployment:
        name: app
        components:
          terraform: { vpc: {}, api: { metadata: { depends_on: [⟦vpc⟧] } } }
        targets: { dev: {} }
      `,
    );
    assert.match(p.message, /written <type>\/<name>.*Did you mean 'terraform\/vpc'\?/);
  });
});

describe('dependency-cycle', () => {
  test('every entry on the cycle is reported, naming the cycle, with the others related', () => {
    const problems = expectAt(
      'dependency-cycle',
      `
      deployment:
        name: app
        components:
          terraform:
            a: { metadata: { depends_on: [⟦terraform/b⟧] } }
            b: { metadata: { depends_on: [⟦terraform/c⟧] } }
            c: { metadata: { depends_on: [⟦terraform/a⟧, terraform/d] } }
            d: {}
        targets: { dev: {} }
      `,
    );
    assert.match(problems[0].message, /terraform\/a → terraform\/b → terraform\/c → terraform\/a/);
    assert.equal(problems[0].related?.length, 2);
  });

  test('a component that depends on itself is a cycle', () => {
    expectAt(
      'dependency-cycle',
      `
      deployment:
        name: app
        components:
          terraform: { a: { metadata: { depends_on: [⟦terraform/a⟧] } } }
        targets: { dev: {} }
      `,
    );
  });
});

describe('deploy order', () => {
  test('waves follow the dependencies, keeping declaration order inside a wave', () => {
    const d = model(APP);
    assert.deepEqual(deployWaves(d, ['vpc', 'ecr/api', 'db', 'api', 'worker']), [
      ['vpc'],
      ['ecr/api', 'db'],
      ['api'],
      ['worker'],
    ]);
    assert.equal(dependencyRefusal(d), undefined);
  });

  test('an order through a component left out of the rollout still holds', () => {
    const d = model(APP);
    assert.deepEqual(deployWaves(d, ['worker', 'ecr/api']), [['ecr/api'], ['worker']]);
    assert.deepEqual([...deployNeeds(d, ['worker', 'ecr/api']).get('worker')!], ['ecr/api']);
  });

  test('an unknown dependency or a cycle refuses, naming it', () => {
    const unknown = model(APP.replace('[terraform/vpc]', '[terraform/nope]'));
    assert.match(dependencyRefusal(unknown)!, /terraform\/ecr\/api depends on terraform\/nope/);
    const cycle = model(
      APP.replace('vpc: { vars', 'vpc: { metadata: { depends_on: [helmfile/worker] }, vars'),
    );
    assert.match(dependencyRefusal(cycle)!, /cycle: .*terraform\/vpc/);
  });
});

describe('the graph view of dependencies', () => {
  test('each component with what it depends on and its wave, in declaration order', () => {
    assert.deepEqual(componentDependencyView(model(APP)), [
      { component: 'vpc', type: 'terraform', dependsOn: [], wave: 0 },
      { component: 'ecr/api', type: 'terraform', dependsOn: ['vpc'], wave: 1 },
      { component: 'db', type: 'terraform', dependsOn: ['vpc'], wave: 1 },
      { component: 'api', type: 'helmfile', dependsOn: ['ecr/api', 'db'], wave: 2 },
      { component: 'worker', type: 'helmfile', dependsOn: ['api'], wave: 3 },
    ]);
  });
});

describe('deploy vars', () => {
  test("the target's context is merged into the component's vars, then the target's vars", () => {
    const d = model(APP);
    const api = d.components.find((c) => c.name === 'api')!;
    assert.deepEqual(deployVars(api, findTarget(d, 'prod')!), {
      replicas: 3,
      resources: { cpu: 100, memory: 4096 },
      cpu: 2048,
    });
    assert.deepEqual(deployVars(api, findTarget(d, 'dev')!), api.vars);
  });

  test('a key named __proto__ stays data', () => {
    const d = model(APP.replace('context: {', 'context: { __proto__: { polluted: 1 },'));
    const merged = deployVars({ vars: {} }, findTarget(d, 'prod')!);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.match(JSON.stringify(merged), /"__proto__":\{"polluted":1\}/);
  });
});

describe('hostile dependencies', () => {
  test('odd depends_on values never throw, and are the schema rule’s to report', () => {
    for (const odd of [
      'depends_on: [1, null, [terraform/a], { x: 1 }, terraform/a]',
      'depends_on: *list',
      'depends_on: ~',
      'depends_on: [""]',
      'depends_on: ["/"]',
    ]) {
      const text = `deployment:\n  name: x\n  labels: &list [terraform/a]\n  components:\n    terraform:\n      a: {}\n      b:\n        metadata: { ${odd} }\n  targets: { dev: {} }\n`;
      assert.doesNotThrow(() => check(text), odd);
    }
  });

  test('a long chain and a long cycle are checked quickly', () => {
    const n = 3000;
    const chain = Array.from(
      { length: n },
      (_, i) => `      c${i}: { metadata: { depends_on: [terraform/c${i + 1}] } }`,
    );
    const text = (last: string) =>
      `deployment:\n  name: x\n  components:\n    terraform:\n${chain.join('\n')}\n      c${n}: ${last}\n  targets: { dev: {} }\n`;
    let t = Date.now();
    assert.deepEqual(withCode(check(text('{}')), 'dependency-cycle'), []);
    assert.equal(deployWaves(model(text('{}')), ['c0', `c${n}`]).length, 2);
    const cyclic = check(text('{ metadata: { depends_on: [terraform/c0] } }'));
    assert.ok(withCode(cyclic, 'dependency-cycle').length > 0);
    t = Date.now() - t;
    assert.ok(t < 10_000, `took ${t} ms`);
  });
});
