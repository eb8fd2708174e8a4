/**
 * Real temporary repositories for the hardening tests, on top of test/git's helpers: a snapshot
 * of every ref (to prove a refused command changed nothing) and a search for files a shell
 * injection would have created.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ENV, git } from '../git/helpers';
import type { Harness } from '../lsp/harness';

/** Points this process (and so every server it spawns) at the tests' empty HOME and identity. */
export function isolateGitEnv(): void {
  for (const k of Object.keys(process.env))
    if (k.startsWith('GIT_') || k.startsWith('ATMOS_')) delete process.env[k];
  for (const k of [
    'HOME',
    'XDG_CONFIG_HOME',
    'GIT_CONFIG_NOSYSTEM',
    'GIT_AUTHOR_NAME',
    'GIT_AUTHOR_EMAIL',
    'GIT_COMMITTER_NAME',
    'GIT_COMMITTER_EMAIL',
  ])
    process.env[k] = ENV[k];
}

/** Every ref with what it points at, the HEAD symref, and the notes: the whole record state. */
export function refSnapshot(dir: string): string {
  return [
    git(dir, ['for-each-ref', '--format=%(refname) %(objectname) %(objecttype)']),
    git(dir, ['symbolic-ref', 'HEAD']),
  ].join('');
}

/** Paths under `roots` whose file name is `name` (a shell injection's `touch pwned`). */
export function findFiles(roots: string[], name: string): string[] {
  const found: string[] = [];
  for (const root of roots) {
    for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
      if (e.name === name) found.push(path.join(e.parentPath ?? e.path, e.name));
    }
  }
  return found;
}

/**
 * Waits until a freshly started server has connected its workspace's git records: before that,
 * every write request is refused as "not available", which would make a refusal test pass for
 * the wrong reason.
 */
export async function waitForGit(h: Harness, deployment: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await h.request('atmosDeployments/history', { deployment });
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`git records never became available: ${String(err)}`);
      await h.until(() => undefined, 'git', 50).catch(() => undefined);
    }
  }
}

/** JSON-RPC code the server uses when it has no git records (see protocol/requests.ts). */
export const GIT_UNAVAILABLE = -32001;
