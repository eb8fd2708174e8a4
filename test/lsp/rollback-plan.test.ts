// atmosDeployments/planRollback: the editor's rollback modal shows what the server plans, with
// the subjects of the commits and who is acting, and a rollback the rules refuse is refused
// before the modal. Planning writes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApplyResult, PlanResult } from '../../server/src/protocol/requests';
import { gitIn as git, Harness, PAYMENT, startInGitRepo } from './harness';

describe('atmosDeployments/planRollback', () => {
  let h: Harness;
  let first: string;
  let second: string;
  let firstTag: string;
  before(async () => {
    h = await startInGitRepo(
      { 'deployments/payment.yaml': PAYMENT },
      { deployment: 'payment-service', target: 'dev' },
    );
    first = git(h.root, 'rev-parse', 'HEAD').trim();
    const one = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.ok(one.ok, one.message);
    firstTag = one.tags[0];
    fs.writeFileSync(path.join(h.root, 'README.md'), 'second\n');
    git(h.root, 'add', '.');
    git(h.root, 'commit', '-q', '-m', 'Second change');
    second = git(h.root, 'rev-parse', 'HEAD').trim();
    const two = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.ok(two.ok, two.message);
  });
  after(() => h.stop());

  const refs = () => git(h.root, 'for-each-ref', 'refs/atmos', 'refs/tags', 'refs/notes');

  test('plans the return to the earlier SHA set with subjects and the git identity, writing nothing', async () => {
    const before = refs();
    const r = await h.request<PlanResult>('atmosDeployments/planRollback', {
      deployment: 'payment-service',
      target: 'dev',
      to: firstTag,
    });
    assert.equal(r.refusal, undefined);
    const plan = r.plan!;
    assert.equal(plan.target, 'dev');
    assert.deepEqual(
      plan.components.map((c) => [c.sha, c.currentSha]),
      plan.components.map(() => [first, second]),
    );
    assert.ok(plan.components.length >= 2);
    assert.equal(plan.subjects?.[first], 'init');
    assert.equal(plan.subjects?.[second], 'Second change');
    assert.equal(plan.actor, 'Dev <dev@example.com>');
    assert.equal(refs(), before, 'planning wrote nothing');
  });

  test('a record that does not exist is an error naming the recent rollouts', async () => {
    await assert.rejects(
      h.request('atmosDeployments/planRollback', {
        deployment: 'payment-service',
        target: 'dev',
        to: '2001-01-01T00-00-00Z',
      }),
      /No successful rollout of payment-service to dev matches .*Recent rollouts:/,
    );
  });

  test('a hand-made record whose message names another commit is refused before any modal', async () => {
    // A tag written with plain git that claims, in its message, a commit it does not point at.
    const msg = git(h.root, 'cat-file', '-p', firstTag).split('\n\n').slice(1).join('\n\n');
    const forged = msg.replace(first, second);
    const tag = firstTag.replace(/Z(-\d+)?$/, 'Z-7').replace(/T\d\d-/, 'T23-');
    const file = path.join(h.root, '.git', 'forged-msg');
    fs.writeFileSync(file, forged);
    git(h.root, 'tag', '-a', '-F', file, tag, first);
    const before = refs();
    const r = await h.request<PlanResult>('atmosDeployments/planRollback', {
      deployment: 'payment-service',
      target: 'dev',
      to: tag,
    });
    assert.equal(r.plan, undefined);
    assert.match(r.refusal ?? '', /Cannot roll back to .*does not agree with its object/);
    assert.equal(refs(), before);
  });
});
