/**
 * Restructured components (issue 16 item 1): renaming `ecs` to `ecs/api` passes the file's own
 * checks, but git cannot hold `…/dev/ecs` and `…/dev/ecs/api` at once. `validate` warns from
 * the records, the rollout names the real cause (not "another rollout"), and `retire` is the
 * recorded way forward: the old refs go, its tags stay as history, and the next rollout works.
 * Run: node esbuild.mjs && npx tsx --test test/git/recorded-conflict.test.ts
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli, git, makeRepo } from './helpers';

const yaml = (component: string) => `deployment:
  name: pay
  components:
    terraform:
      ${component}: {}
      db: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
`;

function renamed(): string {
  const dir = makeRepo({ 'pay.yaml': yaml('ecs') });
  for (const args of [
    ['--target', 'dev'],
    ['--target', 'staging', '--promote-from', 'dev'],
  ]) {
    const r = cli(dir, ['rollout', 'pay', ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  writeFileSync(path.join(dir, 'deployments', 'pay.yaml'), yaml('ecs/api'));
  git(dir, ['commit', '-qam', 'ecs is now ecs/api']);
  return dir;
}

describe('a component renamed onto a recorded one', () => {
  it('validate warns at the component, from the records, naming retire', () => {
    const dir = renamed();
    const r = cli(dir, ['validate', '--format', 'json']);
    const found = JSON.parse(r.stdout).diagnostics.filter(
      (d: { code: string }) => d.code === 'recorded-component-conflict',
    );
    assert.equal(found.length, 1, r.stdout);
    assert.equal(found[0].severity, 'warning');
    assert.equal(found[0].line, 5);
    assert.equal(found[0].column, 7);
    assert.match(
      found[0].message,
      /Component 'ecs\/api' cannot be recorded while git holds the recorded component 'ecs' in dev, staging/,
    );
    assert.match(found[0].message, /atmos-deployments retire pay --component ecs/);
    // From a folder inside the repository, the repository above it is found and read too.
    const inside = cli(path.join(dir, 'deployments'), ['validate', '--format', 'json']);
    assert.equal(
      JSON.parse(inside.stdout).diagnostics.filter(
        (d: { code: string }) => d.code === 'recorded-component-conflict',
      ).length,
      1,
      inside.stdout,
    );
    // Without records (outside a repository's history) nothing is said.
    const clean = makeRepo({ 'pay.yaml': yaml('ecs/api') });
    const none = cli(clean, ['validate', '--format', 'json']);
    assert.deepEqual(JSON.parse(none.stdout).diagnostics, []);
  });

  it('the rollout names the real cause; retire clears the way and keeps the history', () => {
    const dir = renamed();
    const refused = cli(dir, ['rollout', 'pay', '--target', 'dev']);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      /cannot be recorded while git holds the recorded component 'ecs' in dev/,
    );
    assert.doesNotMatch(refused.stderr, /Another rollout/);
    const alive = cli(dir, ['retire', 'pay', '--component', 'db']);
    assert.equal(alive.code, 1, alive.stdout + alive.stderr);
    assert.match(alive.stderr, /'db' is still declared/);
    const tagsBefore = git(dir, ['tag', '-l', 'atmos/deployments/pay/*/ecs/*']).trim().split('\n');
    const retired = cli(dir, ['retire', 'pay', '--component', 'ecs']);
    assert.equal(retired.code, 0, retired.stdout + retired.stderr);
    assert.match(
      retired.stdout,
      /Retired component 'ecs' of pay in dev, staging: its refs are deleted, and its 2 tags stay as history/,
    );
    assert.equal(
      git(dir, [
        'for-each-ref',
        'refs/atmos/deployments/pay/dev/ecs',
        'refs/atmos/deployments/pay/staging/ecs',
      ]).trim(),
      '',
    );
    assert.deepEqual(
      git(dir, ['tag', '-l', 'atmos/deployments/pay/*/ecs/*']).trim().split('\n'),
      tagsBefore,
    );
    const index = git(dir, ['cat-file', '-p', 'refs/atmos/index/pay/dev']);
    assert.doesNotMatch(index, /"ecs"/);
    assert.match(index, /"db"/);
    const history = cli(dir, ['history', 'pay', '--component', 'ecs', '--format', 'json']);
    assert.equal(history.code, 0, history.stderr);
    assert.equal(JSON.parse(history.stdout).entries.length, 2);
    const next = cli(dir, ['rollout', 'pay', '--target', 'dev']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.ok(git(dir, ['for-each-ref', 'refs/atmos/deployments/pay/dev/ecs/api']).trim());
    const validated = cli(dir, ['validate', '--format', 'json']);
    assert.deepEqual(JSON.parse(validated.stdout).diagnostics, []);
    const verified = cli(dir, ['verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
