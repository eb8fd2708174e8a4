// The promotion graph: edges from source to target, entry points, topological order, and every
// cycle with its full path; large graphs must not overflow the stack.
// Run: npx tsx --test test/unit/graph.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, updateDeploymentFile, type Deployment } from '../../server/src/core';
import { check, parse, withCode } from './helpers';

/** A deployment from `target: sources` pairs; an undefined entry is an entry point. */
function yamlOf(targets: Record<string, string[] | undefined>): string {
  const lines = ['deployment:', '  name: g', '  targets:'];
  for (const [name, sources] of Object.entries(targets)) {
    if (!sources) lines.push(`    ${name}: {}`);
    else if (sources.length === 1)
      lines.push(`    ${name}:`, `      promotion: { from: ${sources[0]} }`);
    else lines.push(`    ${name}:`, `      promotion: { allowed_from: [${sources.join(', ')}] }`);
  }
  return `${lines.join('\n')}\n`;
}

function deploymentOf(targets: Record<string, string[] | undefined>): Deployment {
  const d = parse(yamlOf(targets)).deployment;
  assert.ok(d);
  return d;
}

const paths = (d: Deployment) => buildGraph(d).cycles.map((c) => c.path.join(' → '));

describe('cycles are reported with their full path', () => {
  test('a → b → a', () => {
    const d = deploymentOf({ a: ['b'], b: ['a'] });
    assert.deepEqual(paths(d), ['a → b → a']);
    const [cycle] = buildGraph(d).cycles;
    assert.deepEqual(
      cycle.edges.map((e) => `${e.from}→${e.to}`),
      ['a→b', 'b→a'],
    );
  });

  test('a → b → c → a', () => {
    assert.deepEqual(paths(deploymentOf({ a: ['c'], b: ['a'], c: ['b'] })), ['a → b → c → a']);
  });

  test('two separate cycles beside an acyclic part', () => {
    const d = deploymentOf({
      dev: undefined,
      a: ['b'],
      b: ['a'],
      x: ['z'],
      y: ['x'],
      z: ['y'],
      prod: ['dev'],
    });
    assert.deepEqual(paths(d), ['a → b → a', 'x → y → z → x']);
    const problems = withCode(
      check(yamlOf({ a: ['b'], b: ['a'], x: ['z'], y: ['x'], z: ['y'] })),
      'promotion-cycle',
    );
    assert.equal(problems.length, 5, 'one problem per edge of each cycle');
    assert.equal(problems.filter((p) => p.message.includes('a → b → a')).length, 2);
    assert.equal(problems.filter((p) => p.message.includes('x → y → z → x')).length, 3);
  });

  test('two cycles through one target (a figure eight)', () => {
    assert.deepEqual(paths(deploymentOf({ a: ['b', 'c'], b: ['a'], c: ['a'] })), [
      'a → b → a',
      'a → c → a',
    ]);
  });

  test('a self-reference is self-promotion, not a cycle, and not an edge', () => {
    const g = buildGraph(deploymentOf({ a: ['a'] }));
    assert.deepEqual(g.cycles, []);
    assert.deepEqual(g.edges, []);
  });
});

describe('edges, entry points and order', () => {
  test('unknown sources are left out, repeated sources make one edge', () => {
    const g = buildGraph(deploymentOf({ dev: undefined, prod: ['dev', 'dev', 'nope'] }));
    assert.deepEqual(
      g.edges.map((e) => `${e.from}→${e.to}`),
      ['dev→prod'],
    );
    assert.deepEqual(g.sources.get('prod'), ['dev']);
  });

  test('the order puts every source before its targets, whatever the declaration order', () => {
    const d = deploymentOf({
      prod: ['staging'],
      staging: ['dev', 'qa'],
      qa: ['dev'],
      dev: undefined,
    });
    const g = buildGraph(d);
    assert.deepEqual(g.order, ['dev', 'qa', 'staging', 'prod']);
    const rank = new Map(g.order.map((n, i) => [n, i]));
    for (const e of g.edges) assert.ok(rank.get(e.from)! < rank.get(e.to)!, `${e.from}→${e.to}`);
  });

  test('targets on a cycle come last, in declaration order', () => {
    const g = buildGraph(deploymentOf({ b: ['a'], dev: undefined, a: ['b'], qa: ['dev'] }));
    assert.deepEqual(g.order, ['dev', 'qa', 'b', 'a']);
  });

  test('several entry points, and a target with promotion but no sources is not one', () => {
    const d = parse(
      'deployment:\n  name: g\n  targets:\n    dev: {}\n    debug:\n    gated:\n      promotion: { requires_approval: true }\n',
    ).deployment!;
    assert.deepEqual(buildGraph(d).entryPoints, ['dev', 'debug']);
  });
});

describe('large graphs', () => {
  const N = 5000;
  const chain: Record<string, string[] | undefined> = { t0: undefined };
  for (let i = 1; i < N; i++) chain[`t${i}`] = [`t${i - 1}`];

  test(`a ${N}-target chain: no stack overflow, full order, fast`, () => {
    const started = Date.now();
    const g = buildGraph(deploymentOf(chain));
    assert.equal(g.order.length, N);
    assert.equal(g.order[0], 't0');
    assert.equal(g.order[N - 1], `t${N - 1}`);
    assert.deepEqual(g.cycles, []);
    assert.ok(Date.now() - started < 5000, 'bounded time');
  });

  test(`a ${N}-target ring is one cycle of ${N} edges, and validates without throwing`, () => {
    const ring = { ...chain, t0: [`t${N - 1}`] };
    const g = buildGraph(deploymentOf(ring));
    assert.equal(g.cycles.length, 1);
    assert.equal(g.cycles[0].path.length, N + 1);
    assert.equal(g.cycles[0].path[0], g.cycles[0].path[N]);
    const started = Date.now();
    const problems = withCode(check(yamlOf(ring)), 'promotion-cycle');
    assert.ok(Date.now() - started < 5000, 'validation stays fast: no quadratic related lists');
    assert.equal(problems.length, N);
    const first = problems.find((p) => p.data?.source === 't0');
    assert.equal(
      first?.message,
      `Circular promotion path detected: t0 → t1 → t2 → … → t${N - 1} → t0 (${N} targets). Remove one of these sources to break the cycle.`,
    );
    assert.deepEqual(
      first?.related?.slice(0, 2).map((r) => r.message),
      ['t1 → t2', 't2 → t3'],
    );
    for (const p of problems) assert.ok(p.related!.length <= 11, 'related locations are capped');
  });
});

describe('one graph per deployment model', () => {
  test('the same model gives the same graph; an edited text gives its own', () => {
    const text = yamlOf({ dev: undefined, staging: ['dev'], prod: ['staging'] });
    const first = parse(text);
    const graph = buildGraph(first.deployment!);
    assert.equal(buildGraph(first.deployment!), graph, 'built once for the model');
    // An edit inside one target (spliced, core/incremental.ts) makes a new model: the graph
    // follows it instead of answering from the old one.
    const edited = updateDeploymentFile(
      first,
      text.replace('promotion: { from: staging }', 'promotion: { from: dev }'),
      first.file,
    );
    assert.notEqual(edited.deployment, first.deployment);
    assert.deepEqual(
      buildGraph(edited.deployment!).edges.map((e) => `${e.from}→${e.to}`),
      ['dev→staging', 'dev→prod'],
    );
  });

  test('an acyclic graph of 5,000 targets reports no cycle, and a long cycle is found', () => {
    const chain: Record<string, string[] | undefined> = { t0: undefined };
    for (let i = 1; i < 5000; i++) chain[`t${i}`] = [`t${i - 1}`];
    const g = buildGraph(deploymentOf(chain));
    assert.equal(g.cycles.length, 0);
    assert.equal(g.order.join(','), Object.keys(chain).join(','));
    chain.t0 = ['t4999'];
    assert.equal(buildGraph(deploymentOf(chain)).cycles[0]?.path.length, 5001);
  });
});
