// A cancelled read stops its running git process: the store runs real git, found on PATH behind
// a shim that makes `for-each-ref` slow (it `exec`s a long sleep in its place, so the process the
// store started is the one that must die). Aborting the signal rejects the call at once with a
// `cancelled` error and leaves no process behind; a write command is let finish.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GitStoreError, SimpleGitStore } from '../../server/src/git';
import { makeRepo } from './helpers';

const REAL_GIT = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

describe('cancelling a git read', () => {
  const saved = process.env.PATH;
  let pidFile = '';
  before(() => {
    const bin = mkdtempSync(path.join(tmpdir(), 'atmos-slow-git-'));
    pidFile = path.join(bin, 'pid');
    writeFileSync(
      path.join(bin, 'git'),
      `#!/bin/sh\ncase "$1" in for-each-ref) echo $$ > ${JSON.stringify(pidFile)}; exec sleep 30;; esac\nexec ${JSON.stringify(REAL_GIT)} "$@"\n`,
    );
    chmodSync(path.join(bin, 'git'), 0o755);
    // The store copies the environment when it is made, so PATH is set before.
    process.env.PATH = `${bin}:${saved}`;
  });
  after(() => {
    process.env.PATH = saved;
  });

  it('kills the running read and rejects with cancelled; the next call does not start git', async () => {
    const repo = makeRepo();
    const cancel = new AbortController();
    const store = new SimpleGitStore(repo).cancellable(cancel.signal);
    const started = Date.now();
    const listing = store.listRefs(['refs/atmos/']);
    const deadline = Date.now() + 10000;
    let pid = 0;
    while (!pid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      pid = Number(
        (() => {
          try {
            return readFileSync(pidFile, 'utf8');
          } catch {
            return '0';
          }
        })(),
      );
    }
    assert.ok(pid > 0, 'the slow for-each-ref started');
    cancel.abort();
    await assert.rejects(listing, (err: unknown) => {
      assert.ok(err instanceof GitStoreError && err.kind === 'cancelled', String(err));
      return true;
    });
    assert.ok(Date.now() - started < 10000, 'rejected long before the 30 s sleep ended');
    assert.throws(() => process.kill(pid, 0), 'the git process is gone');
    const before = store.processCount;
    await assert.rejects(store.resolveCommit('HEAD'), /Cancelled before git rev-parse/);
    assert.equal(store.processCount, before, 'no git process was started after the cancel');
  });
});
