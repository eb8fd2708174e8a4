// Installs the project's npm dependencies when they are missing or older than the lock file,
// so that `npm start`, `npm test` and `npm run bench` work on a fresh clone with only node + npm.
// Uses node builtins only: it runs before node_modules exists.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function depsAreCurrent() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (!existsSync(marker)) return false;
  return statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

export function ensureDeps() {
  if (depsAreCurrent()) return;
  console.log('[atmos-deployments] installing npm dependencies (npm ci) ...');
  const started = Date.now();
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(
      '[atmos-deployments] npm ci failed. Check that the npm registry is reachable and that node is 20 or newer, then run `npm ci` by hand to see the full error.',
    );
    process.exit(r.status ?? 2);
  }
  console.log(
    `[atmos-deployments] dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureDeps();
