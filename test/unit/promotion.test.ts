// checkPromotion: the spec's ValidatePromotion with its messages word for word, plus what design
// section 4 adds (unknown names listing the known ones, cross-deployment sources, plain commits
// to ruled targets, entry points).
// Run: npx tsx --test test/unit/promotion.test.ts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedSources, checkPromotion, type Deployment } from '../../server/src/core';
import { dedent, parse } from './helpers';

function deployment(yaml: string): Deployment {
  const d = parse(dedent(yaml)).deployment;
  assert.ok(d);
  return d;
}

const payment = deployment(`
  deployment:
    name: payment-service
    targets:
      dev: {}
      qa:
        promotion:
          from: dev
      staging:
        promotion:
          from: dev
      prod:
        promotion:
          allowed_from: [staging, qa]
          requires_approval: true
      hotfix:
        promotion:
          from: staging
          requires_approval: false
`);

const linear = deployment(`
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
`);

function refusal(d: Deployment, to: string, from?: string) {
  const r = checkPromotion(d, to, from);
  assert.equal(r.ok, false, `${from} → ${to} must be refused`);
  return r as Extract<typeof r, { ok: false }>;
}

describe("the spec's messages, word for word", () => {
  test('from: staging refuses dev', () => {
    const r = refusal(linear, 'prod', 'dev');
    assert.equal(r.reason, 'not-allowed');
    assert.equal(r.message, 'Cannot promote directly from dev to prod. Must promote from staging.');
  });

  test('allowed_from: [staging, qa] refuses dev', () => {
    const r = refusal(payment, 'prod', 'dev');
    assert.equal(r.reason, 'not-allowed');
    assert.equal(r.message, 'Cannot promote from dev to prod (allowed: [staging, qa])');
  });

  test('a source from another deployment', () => {
    const r = refusal(payment, 'prod', 'inventory-service/staging');
    assert.equal(r.reason, 'cross-deployment');
    assert.equal(
      r.message,
      'Cannot promote across deployments. Use same-deployment promotion only.',
    );
  });

  // `payment-service/staging` while promoting within payment-service names its own target:
  // it was refused as "across deployments".
  test('a source named with its own deployment is that target', () => {
    assert.equal(checkPromotion(payment, 'prod', 'payment-service/staging').ok, true);
    assert.equal(refusal(payment, 'prod', 'payment-service/dev').reason, 'not-allowed');
    assert.equal(refusal(payment, 'prod', 'payment-service/').reason, 'cross-deployment');
    assert.equal(refusal(payment, 'prod', 'payment-service/a/b').reason, 'cross-deployment');
  });
});

describe('accepted promotions', () => {
  test('a listed source, with the approval flag of the target', () => {
    assert.deepEqual(checkPromotion(payment, 'prod', 'qa'), {
      ok: true,
      requiresApproval: true,
      entryPoint: false,
    });
    assert.deepEqual(checkPromotion(payment, 'hotfix', 'staging'), {
      ok: true,
      requiresApproval: false,
      entryPoint: false,
    });
  });

  test('an entry point accepts any source and a plain commit', () => {
    for (const from of [undefined, 'qa', 'staging', 'prod'])
      assert.deepEqual(checkPromotion(payment, 'dev', from), {
        ok: true,
        requiresApproval: false,
        entryPoint: true,
      });
  });
});

describe('plain commits (--git-sha) to a target with rules need --promote-from', () => {
  test('one source names it', () => {
    const r = refusal(linear, 'prod');
    assert.equal(r.reason, 'needs-source');
    assert.equal(
      r.message,
      'Cannot deploy a commit directly to prod: it only accepts promotions from staging. Use --promote-from staging.',
    );
  });

  test('several sources list them', () => {
    const r = refusal(payment, 'prod');
    assert.equal(
      r.message,
      'Cannot deploy a commit directly to prod: it only accepts promotions from staging or qa. Use --promote-from with one of them.',
    );
  });
});

describe('unknown names say which and list the known ones', () => {
  test('unknown target', () => {
    const r = refusal(payment, 'production', 'staging');
    assert.equal(r.reason, 'unknown-target');
    assert.equal(
      r.message,
      "Unknown target 'production' in deployment payment-service. Known targets: dev, qa, staging, prod, hotfix.",
    );
  });

  test('unknown source', () => {
    const r = refusal(linear, 'prod', 'stage');
    assert.equal(r.reason, 'unknown-source');
    assert.equal(
      r.message,
      "Unknown source target 'stage' in deployment payment-service. Known targets: dev, staging, prod.",
    );
  });

  test('a mistyped target gets the suggestion the editor gives', () => {
    assert.equal(
      refusal(payment, 'prd', 'staging').message,
      "Unknown target 'prd' in deployment payment-service. Did you mean 'prod'? Known targets: dev, qa, staging, prod, hotfix.",
    );
  });

  test('a deployment without targets says so', () => {
    const empty = deployment('deployment:\n  name: empty\n');
    assert.equal(
      refusal(empty, 'prod', 'dev').message,
      "Unknown target 'prod' in deployment empty. It has no targets.",
    );
  });

  test('promoting a target from itself', () => {
    const r = refusal(linear, 'staging', 'staging');
    assert.equal(r.reason, 'self');
    assert.equal(r.message, 'Cannot promote staging from itself.');
  });
});

describe('a target whose source rules cannot be read accepts nothing (never fails open)', () => {
  const broken = deployment(`
    deployment:
      name: broken
      targets:
        dev: {}
        staging: {}
        empty:
          promotion:
            allowed_from: []
        scalar:
          promotion:
            allowed_from: staging
        listed:
          promotion:
            from: [staging]
        blank:
          promotion:
            from:
  `);

  for (const to of ['empty', 'scalar', 'listed', 'blank']) {
    test(to, () => {
      for (const from of ['dev', 'staging', undefined]) {
        const r = refusal(broken, to, from);
        assert.equal(r.reason, 'not-allowed');
        assert.equal(
          r.message,
          `Cannot promote to ${to}: its promotion rules name no source target it accepts. Fix 'from' or 'allowed_from' of target ${to}.`,
        );
      }
      assert.deepEqual(allowedSources(broken.targets.find((t) => t.name === to)!), []);
    });
  }

  test('a promotion with only requires_approval still accepts any source, with approval', () => {
    const gated = deployment(`
      deployment:
        name: g
        targets:
          dev: {}
          gated:
            promotion:
              requires_approval: true
    `);
    assert.deepEqual(checkPromotion(gated, 'gated', 'dev'), {
      ok: true,
      requiresApproval: true,
      entryPoint: false,
    });
    assert.equal(allowedSources(gated.targets[1]), undefined);
  });
});

describe('allowedSources', () => {
  test('from, allowed_from and entry points', () => {
    const byName = (n: string) => payment.targets.find((t) => t.name === n)!;
    assert.deepEqual(allowedSources(byName('prod')), ['staging', 'qa']);
    assert.deepEqual(allowedSources(byName('qa')), ['dev']);
    assert.equal(allowedSources(byName('dev')), undefined);
  });
});
