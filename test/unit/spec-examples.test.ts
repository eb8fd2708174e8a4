// The spec's examples (target-promotion.md) as real deployment files under
// test/fixtures/spec/: they validate clean and their promotion graphs are the ones the spec draws.
// Run: npx tsx --test test/unit/spec-examples.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  WorkspaceIndex,
  buildGraph,
  checkPromotion,
  parseDeploymentFile,
  validateFile,
  type PromotionGraph,
} from '../../server/src/core';
import { expectClean, fixture } from './helpers';

function load(example: string, name: string) {
  const rel = join('spec', example, 'deployments', name);
  const file = expectClean(fixture(rel), { file: rel });
  assert.ok(file.deployment);
  return { file, deployment: file.deployment, graph: buildGraph(file.deployment) };
}

/** The graph's shape without source ranges: what the spec's drawings show. */
function shape(g: PromotionGraph) {
  return {
    nodes: g.nodes,
    edges: g.edges.map((e) => `${e.from} → ${e.to}${e.requiresApproval ? ' (approval)' : ''}`),
    entryPoints: g.entryPoints,
    order: g.order,
    cycles: g.cycles.length,
    sources: Object.fromEntries(g.sources),
    dependents: Object.fromEntries(g.dependents),
  };
}

describe('linear: dev → staging → prod', () => {
  const { deployment, graph } = load('linear', 'payment-service.yaml');

  test('graph', () => {
    assert.equal(deployment.name?.value, 'payment-service');
    assert.deepEqual(shape(graph), {
      nodes: ['dev', 'staging', 'prod'],
      edges: ['dev → staging', 'staging → prod (approval)'],
      entryPoints: ['dev'],
      order: ['dev', 'staging', 'prod'],
      cycles: 0,
      sources: { dev: [], staging: ['dev'], prod: ['staging'] },
      dependents: { dev: ['staging'], staging: ['prod'], prod: [] },
    });
  });

  test('labels are read', () => {
    assert.deepEqual(
      deployment.targets.map((t) => t.labels.environment),
      ['dev', 'staging', 'prod'],
    );
  });

  test('the spec CLI examples: staging from dev is valid, prod from dev is not', () => {
    assert.deepEqual(checkPromotion(deployment, 'staging', 'dev'), {
      ok: true,
      requiresApproval: false,
      entryPoint: false,
    });
    assert.deepEqual(checkPromotion(deployment, 'prod', 'staging'), {
      ok: true,
      requiresApproval: true,
      entryPoint: false,
    });
    const refused = checkPromotion(deployment, 'prod', 'dev');
    assert.equal(refused.ok, false);
    assert.equal(
      !refused.ok && refused.message,
      'Cannot promote directly from dev to prod. Must promote from staging.',
    );
  });
});

describe('multiple sources: dev/qa → staging → prod', () => {
  const { deployment, graph } = load('multiple-sources', 'payment-service.yaml');

  test('graph', () => {
    assert.deepEqual(shape(graph), {
      nodes: ['dev', 'qa', 'staging', 'prod'],
      edges: ['dev → qa', 'dev → staging', 'qa → staging', 'staging → prod (approval)'],
      entryPoints: ['dev'],
      order: ['dev', 'qa', 'staging', 'prod'],
      cycles: 0,
      sources: { dev: [], qa: ['dev'], staging: ['dev', 'qa'], prod: ['staging'] },
      dependents: { dev: ['qa', 'staging'], qa: ['staging'], staging: ['prod'], prod: [] },
    });
  });

  test('a target written as `dev:` with no value is an entry point', () => {
    assert.equal(deployment.targets[0].promotion, undefined);
  });

  test('staging accepts dev and qa, prod accepts only staging', () => {
    assert.equal(checkPromotion(deployment, 'staging', 'dev').ok, true);
    assert.equal(checkPromotion(deployment, 'staging', 'qa').ok, true);
    const refused = checkPromotion(deployment, 'staging', 'prod');
    assert.equal(
      !refused.ok && refused.message,
      'Cannot promote from prod to staging (allowed: [dev, qa])',
    );
  });
});

describe('per-deployment targets: payment-service and experimental-feature', () => {
  const payment = load('per-deployment', 'payment-service.yaml');
  const experimental = load('per-deployment', 'experimental-feature.yaml');

  test('graphs', () => {
    assert.deepEqual(shape(payment.graph).edges, ['dev → staging', 'staging → prod (approval)']);
    assert.deepEqual(shape(experimental.graph), {
      nodes: ['dev', 'canary', 'prod'],
      edges: ['dev → canary', 'canary → prod (approval)'],
      entryPoints: ['dev'],
      order: ['dev', 'canary', 'prod'],
      cycles: 0,
      sources: { dev: [], canary: ['dev'], prod: ['canary'] },
      dependents: { dev: ['canary'], canary: ['prod'], prod: [] },
    });
  });

  test('both files in one workspace: distinct names, so no duplicate-deployment', () => {
    const index = new WorkspaceIndex();
    for (const f of [payment.file, experimental.file]) index.set(f);
    assert.deepEqual(index.deploymentNames(), ['experimental-feature', 'payment-service']);
    for (const f of [payment.file, experimental.file])
      assert.deepEqual(validateFile(f, { workspace: index }), []);
  });

  test('targets are per deployment: experimental-feature has no staging', () => {
    const refused = checkPromotion(experimental.deployment, 'prod', 'staging');
    assert.equal(
      !refused.ok && refused.message,
      "Unknown source target 'staging' in deployment experimental-feature. Known targets: dev, canary, prod.",
    );
  });
});

describe('no promotion restrictions: dev and debug', () => {
  const { deployment, graph } = load('no-restrictions', 'debug-service.yaml');

  test('both are entry points and take a plain commit', () => {
    assert.deepEqual(graph.entryPoints, ['dev', 'debug']);
    assert.deepEqual(graph.edges, []);
    for (const t of ['dev', 'debug'])
      assert.deepEqual(checkPromotion(deployment, t), {
        ok: true,
        requiresApproval: false,
        entryPoint: true,
      });
  });
});

test('the fixtures are discovered as deployments by their top-level key', () => {
  const file = parseDeploymentFile(
    fixture('spec', 'linear', 'deployments', 'payment-service.yaml'),
    'x',
  );
  assert.equal(file.isDeployment, true);
  assert.deepEqual(file.problems, []);
});
