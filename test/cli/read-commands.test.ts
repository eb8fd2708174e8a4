/**
 * The read commands: `promotion-status` and `history` with `--remote` (or
 * ATMOS_DEPLOYMENTS_REMOTE) show what the team recorded on the shared remote, not what this
 * clone last saw; `history`'s filters refuse names the deployment does not have.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cli, git, makeRepo } from '../git/helpers';

const D = 'payment-service';

/** A bare remote and two clones of it. */
function twoClones(): { a: string; b: string } {
  const origin = makeRepo();
  const bare = mkdtempSync(path.join(tmpdir(), 'atmos-bare-'));
  git(bare, ['init', '-q', '--bare', '-b', 'main']);
  git(origin, ['push', '-q', bare, 'main']);
  const a = mkdtempSync(path.join(tmpdir(), 'atmos-a-'));
  const b = mkdtempSync(path.join(tmpdir(), 'atmos-b-'));
  git(a, ['clone', '-q', bare, '.']);
  git(b, ['clone', '-q', bare, '.']);
  return { a, b };
}

describe('read commands with --remote', () => {
  it('promotion-status and history fetch the records another clone pushed', () => {
    const { a, b } = twoClones();
    const pushed = cli(a, ['rollout', D, '--target', 'dev', '--remote', 'origin']);
    assert.equal(pushed.code, 0, pushed.stderr);

    const stale = cli(b, ['history', D]);
    assert.equal(stale.code, 0);
    assert.match(
      stale.stderr,
      /No recorded rollouts/,
      'without --remote, b sees only its own records',
    );

    const status = cli(b, ['promotion-status', D, '--remote', 'origin', '--format', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as {
      targets: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(Object.keys(report.targets.dev).sort(), ['api', 'database', 'worker']);

    const hist = cli(b, ['history', D], { ATMOS_DEPLOYMENTS_REMOTE: 'origin' });
    assert.equal(hist.code, 0, hist.stderr);
    assert.equal(hist.stdout.trim().split('\n').length, 3, hist.stdout);
    assert.match(hist.stdout, /dev\/api .* by ci@example\.com/);
  });

  it('a remote that does not exist is a usage error that names it', () => {
    const { b } = twoClones();
    const r = cli(b, ['promotion-status', D, '--remote', 'nowhere']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nowhere/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe('history filters', () => {
  it('an unknown target or component, or a bad --limit, is refused with the known names', () => {
    const repo = makeRepo();
    assert.equal(cli(repo, ['rollout', D, '--target', 'dev']).code, 0);
    const target = cli(repo, ['history', D, '--target', 'prd']);
    assert.equal(target.code, 2);
    assert.match(
      target.stderr,
      /Unknown target 'prd' in deployment \S+\. Did you mean 'prod'\? Known targets: dev, staging, prod/,
    );
    const component = cli(repo, ['history', D, '--component', 'apii']);
    assert.equal(component.code, 2);
    assert.match(component.stderr, /Unknown component 'apii'.*api, worker, database/);
    for (const limit of ['abc', '-1', '1.5']) {
      const r = cli(repo, ['history', D, '--limit', limit]);
      assert.equal(r.code, 2, `--limit ${limit}`);
      assert.match(r.stderr, /--limit/);
    }
    const one = cli(repo, ['history', D, '--limit', '1']);
    assert.equal(one.code, 0);
    assert.equal(one.stdout.trim().split('\n').length, 1);
  });
});
