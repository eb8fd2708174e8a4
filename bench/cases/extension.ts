/**
 * Case 4: the extension's footprint: the bundles as built for the bench, and the production
 * bundles and .vsix from `npm run package`. Activation time is case 4a (cases/activation.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../servers';
import type { ActivationResult } from './activation';
import type { Log } from './lsp';

export interface ExtensionResult {
  /** Set by case 4a when it ran. */
  activationRun?: ActivationResult;
  devBundles: Record<string, number>;
  production?: { bundles: Record<string, number>; vsix?: number; error?: string };
}

function bundleSizes(): Record<string, number> {
  const dist = path.join(ROOT, 'dist');
  const out: Record<string, number> = {};
  for (const f of readdirSync(dist).sort())
    if (f.endsWith('.js')) out[f] = statSync(path.join(dist, f)).size;
  const webview = path.join(dist, 'webview', 'main.js');
  if (existsSync(webview)) out['webview/main.js'] = statSync(webview).size;
  return out;
}

export function runExtensionCase(log: Log, withPackage: boolean): ExtensionResult {
  const result: ExtensionResult = {
    devBundles: bundleSizes(),
  };
  if (!withPackage) return result;
  const vsix = path.join(ROOT, 'dist', 'atmos-deployments.vsix');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 0 && existsSync(vsix)) {
    result.production = { bundles: bundleSizes(), vsix: statSync(vsix).size };
  } else {
    result.production = {
      bundles: {},
      error: `npm run package exited ${r.status}: ${String(r.stderr).trim().split('\n').slice(-3).join(' ')}`,
    };
  }
  // Put the development build back: tests and the editor expect bundles with source maps.
  spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  log(
    `extension: vsix ${result.production.vsix ?? 'n/a'} bytes, production bundles ${JSON.stringify(result.production.bundles)}`,
  );
  return result;
}
