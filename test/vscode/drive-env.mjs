/**
 * What the UI drives share: where the repository and its build are, where screenshots and
 * logs go, whether the extension is built, and the git identity their workspaces commit as (the
 * modals name it, so the drives assert it and the screenshots show it, not this machine's).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
export const OUT_DIR = path.join(REPO_ROOT, 'test-results', 'vscode');

/** False when the extension is built; otherwise why the drive is skipped. */
export const SKIP_UNBUILT = fs.existsSync(path.join(REPO_ROOT, 'dist', 'client.js'))
  ? false
  : 'dist/client.js is missing: build the extension first (node esbuild.mjs)';

export const DEMO_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
};

/** Runs a command in a drive's workspace as Demo and returns its trimmed output. */
export function run(cwd, cmd, args) {
  return execFileSync(cmd, args, { cwd, env: DEMO_ENV, encoding: 'utf8', stdio: 'pipe' }).trim();
}
