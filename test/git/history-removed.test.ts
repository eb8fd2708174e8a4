/**
 * History is read from tags, and records outlive the YAML that led to them (issue 16 item 4):
 * a target removed from the deployment file, or a deployment whose file is gone, still shows
 * its recorded history, with a note saying so; a name with no records is still an error.
 * Run: node esbuild.mjs && npx tsx --test test/git/history-removed.test.ts
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli, git, makeRepo, PAYMENT_SERVICE } from './helpers';

const D = 'payment-service';

function recorded(): string {
  const dir = makeRepo({ 'payment-service.yaml': PAYMENT_SERVICE });
  for (const args of [
    ['--target', 'dev'],
    ['--target', 'staging', '--promote-from', 'dev'],
  ]) {
    const r = cli(dir, ['rollout', D, ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  return dir;
}

describe('history of what is no longer in the deployment file', () => {
  it('a removed target still shows its records, with a note; an unrecorded typo is still an error', () => {
    const dir = recorded();
    const file = path.join(dir, 'deployments', 'payment-service.yaml');
    // staging goes: prod now promotes from dev.
    const text = PAYMENT_SERVICE.replace(/\n {4}staging:\n(?: {6}.*\n)+/, '\n').replace(
      'from: staging',
      'from: dev',
    );
    assert.doesNotMatch(text, /staging/);
    writeFileSync(file, text);
    git(dir, ['commit', '-qam', 'drop staging']);
    const r = cli(dir, ['history', D, '--target', 'staging', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /Target 'staging' is no longer in the deployment file of payment-service; showing its recorded history/,
    );
    const entries = JSON.parse(r.stdout).entries as Array<{ target: string }>;
    assert.ok(entries.length > 0 && entries.every((e) => e.target === 'staging'), r.stdout);
    const typo = cli(dir, ['history', D, '--target', 'stagign']);
    assert.equal(typo.code, 2, typo.stdout + typo.stderr);
    assert.match(typo.stderr, /Unknown target 'stagign'/);
  });

  it('a deployment whose file is gone still shows its records; a name never recorded is unknown', () => {
    const dir = recorded();
    rmSync(path.join(dir, 'deployments', 'payment-service.yaml'));
    writeFileSync(
      path.join(dir, 'deployments', 'other.yaml'),
      'deployment:\n  name: other\n  targets:\n    dev: {}\n',
    );
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'payment-service retired']);
    const r = cli(dir, ['history', D]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /payment-service is not in any deployment file here; showing its recorded history \(targets dev, staging\)/,
    );
    assert.match(r.stdout, /staging/);
    const onlyDev = cli(dir, ['history', D, '--target', 'dev', '--format', 'json']);
    assert.equal(onlyDev.code, 0, onlyDev.stderr);
    assert.ok(
      (JSON.parse(onlyDev.stdout).entries as Array<{ target: string }>).every(
        (e) => e.target === 'dev',
      ),
    );
    const none = cli(dir, ['history', D, '--target', 'prod']);
    assert.equal(none.code, 2, none.stdout + none.stderr);
    assert.match(
      none.stderr,
      /No records of target 'prod' in deployment payment-service\. Recorded targets: dev, staging/,
    );
    const ghost = cli(dir, ['history', 'ghost']);
    assert.equal(ghost.code, 2, ghost.stdout + ghost.stderr);
    assert.match(ghost.stderr, /Unknown deployment 'ghost'/);
  });
});
