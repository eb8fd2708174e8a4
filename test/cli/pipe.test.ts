/**
 * `atmos-deployments history | head`: the reader closes the pipe after one line. The command
 * must neither print a stack trace nor stop half-way through a rollout.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { atmosRefs, CLI, cli, commit, ENV, indexAgrees, makeRepo } from '../git/helpers';

/** Runs the CLI with stdout closed by the reader after its first chunk. */
function runIntoClosedPipe(
  cwd: string,
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--cwd', cwd], {
      cwd,
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed output pipe', () => {
  it('history into a reader that stops early exits 0 without a stack trace', async () => {
    const repo = makeRepo();
    for (let i = 0; i < 30; i++) {
      assert.equal(cli(repo, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
      commit(repo, `c${i}`);
    }
    const r = await runIntoClosedPipe(repo, ['history', 'payment-service']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at /);
  });

  it('a rollout whose reader went away still records the whole rollout', async () => {
    const repo = makeRepo();
    const sha = commit(repo, 'next');
    const r = await runIntoClosedPipe(repo, ['rollout', 'payment-service', '--target', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    const refs = atmosRefs(repo);
    assert.equal(Object.keys(refs).length, 3);
    for (const v of Object.values(refs)) assert.equal(v, sha);
    assert.ok(indexAgrees(repo, 'payment-service', 'dev'));
  });
});
