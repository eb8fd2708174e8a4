// promotionStatus / edgeStatus: per edge `ready`, `ready, requires approval`, `up to date` or
// `blocked (why)`, as the spec's promotion-status prints them; formatAge gives the spec's ages.
// Run: npx tsx --test test/unit/status.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  edgeStatus,
  formatAge,
  promotionStatus,
  type DeployedState,
  type Deployment,
} from '../../server/src/core';
import { formatStatusText } from '../../server/src/rollout/status';
import { dedent, parse } from './helpers';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

const deployment: Deployment = parse(
  dedent(`
  deployment:
    name: payment-service
    components:
      terraform:
        database: {}
      helmfile:
        api: {}
        worker: {}
    targets:
      prod:
        promotion:
          from: staging
          requires_approval: true
      staging:
        promotion:
          from: dev
      dev: {}
  `),
).deployment!;

const all = (sha: string) => ({
  database: { sha, deployedAt: '2025-01-22T10:00:00Z' },
  api: { sha },
  worker: { sha },
});

describe('promotionStatus', () => {
  test('edges come in promotion order, with the spec labels', () => {
    const state: DeployedState = { dev: all(B), staging: all(A) };
    const status = promotionStatus(deployment, state);
    assert.deepEqual(
      status.map((s) => `${s.from} → ${s.to} (${s.label})`),
      ['dev → staging (ready)', 'staging → prod (ready, requires approval)'],
    );
    assert.deepEqual(status[1].changes, [
      { component: 'database', sourceSha: A, targetSha: undefined },
      { component: 'api', sourceSha: A, targetSha: undefined },
      { component: 'worker', sourceSha: A, targetSha: undefined },
    ]);
    assert.equal(status[1].requiresApproval, true);
  });

  test('up to date when the target already runs every SHA of the source', () => {
    const [devToStaging, stagingToProd] = promotionStatus(deployment, {
      dev: all(A),
      staging: all(A),
      prod: all(A),
    });
    assert.equal(devToStaging.label, 'up to date');
    assert.equal(stagingToProd.state, 'up to date');
    assert.equal(stagingToProd.why, undefined);
  });

  test('blocked, saying why, when nothing is deployed in the source', () => {
    const [devToStaging, stagingToProd] = promotionStatus(deployment, { dev: all(A) });
    assert.equal(devToStaging.state, 'ready');
    assert.equal(stagingToProd.state, 'blocked');
    assert.equal(stagingToProd.why, 'nothing deployed in staging');
    assert.equal(stagingToProd.label, 'blocked (nothing deployed in staging)');
  });

  test('a deployment with no state at all: every edge blocked', () => {
    assert.deepEqual(
      promotionStatus(deployment, {}).map((s) => s.label),
      ['blocked (nothing deployed in dev)', 'blocked (nothing deployed in staging)'],
    );
  });

  test('an edge on a promotion cycle is blocked by the cycle, named in full, whatever is deployed', () => {
    const d = parse(
      dedent(`
      deployment:
        name: x
        targets:
          dev: {}
          staging:
            promotion:
              allowed_from: [dev, prod]
          prod:
            promotion:
              from: staging
      `),
    ).deployment!;
    const labels = promotionStatus(d, { dev: all(A), staging: all(A), prod: all(B) }).map(
      (e) => `${e.from}→${e.to}: ${e.label}`,
    );
    assert.deepEqual(labels, [
      'dev→staging: up to date',
      'staging→prod: blocked (promotion cycle staging → prod → staging)',
      'prod→staging: blocked (promotion cycle staging → prod → staging)',
    ]);
  });

  test('an entry-point-only deployment has no edges', () => {
    const d = parse('deployment:\n  name: x\n  targets:\n    dev: {}\n').deployment!;
    assert.deepEqual(promotionStatus(d, { dev: all(A) }), []);
  });
});

describe('edgeStatus', () => {
  test('one component behind is enough to be ready', () => {
    const s = edgeStatus(
      deployment,
      { dev: all(A), staging: { ...all(A), api: { sha: B } } },
      'dev',
      'staging',
      false,
    );
    assert.equal(s.state, 'ready');
    assert.deepEqual(
      s.changes.filter((c) => c.sourceSha !== c.targetSha),
      [{ component: 'api', sourceSha: A, targetSha: B }],
    );
  });

  test('components recorded in git but not declared are still shown', () => {
    const s = edgeStatus(deployment, { dev: { legacy: { sha: A } } }, 'dev', 'staging', false);
    assert.equal(s.state, 'ready');
    assert.deepEqual(
      s.changes.map((c) => c.component),
      ['database', 'api', 'worker', 'legacy'],
    );
  });

  test('a component deployed only in the target does not make the edge ready', () => {
    const s = edgeStatus(
      deployment,
      { dev: { api: { sha: A } }, staging: { api: { sha: A }, worker: { sha: B } } },
      'dev',
      'staging',
      true,
    );
    assert.equal(s.label, 'up to date');
  });
});

describe('formatAge', () => {
  const now = new Date('2025-01-22T12:00:00Z');
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

  test('the spec ages', () => {
    const cases: Array<[number, string]> = [
      [0, 'just now'],
      [59, 'just now'],
      [60, '1m ago'],
      [59 * 60, '59m ago'],
      [60 * 60, '1h ago'],
      [2 * 3600, '2h ago'],
      [47 * 3600, '47h ago'],
      [48 * 3600, '2d ago'],
      [30 * 86400, '30d ago'],
    ];
    for (const [s, text] of cases) assert.equal(formatAge(ago(s), now), text, `${s}s`);
  });

  test('a time in the future (clock skew) is just now', () => {
    assert.equal(formatAge('2025-01-22T13:00:00Z', now), 'just now');
  });

  test('missing or unreadable times', () => {
    assert.equal(formatAge(undefined, now), 'unknown age');
    assert.equal(formatAge('', now), 'unknown age');
    assert.equal(formatAge('yesterday-ish', now), 'unknown age');
  });
});

describe('formatStatusText', () => {
  test('the spec layout, with a blocked edge as `(blocked: why)` rather than nested parentheses', () => {
    const state: DeployedState = { dev: all(A) };
    const edges = promotionStatus(deployment, state).map((e) => ({
      ...e,
      source: e.changes
        .filter((c) => c.sourceSha)
        .map((c) => ({ component: c.component, sha: c.sourceSha!, age: '2h ago' })),
    }));
    assert.equal(
      formatStatusText({ deployment: 'payment-service', edges, state }),
      [
        'payment-service promotion status:',
        '',
        'dev → staging (ready)',
        '  database: aaaaaaaaa (deployed 2h ago)',
        '  api: aaaaaaaaa (deployed 2h ago)',
        '  worker: aaaaaaaaa (deployed 2h ago)',
        '',
        'staging → prod (blocked: nothing deployed in staging)',
      ].join('\n'),
    );
  });
});
