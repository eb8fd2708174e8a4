/**
 * Finds deployment files under a folder without a glob library: a plain walk that never
 * enters node_modules, .git or other dot-folders, and keeps `*.yaml`/`*.yml` files that sit
 * under a `deployments/` folder (design section 2).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SKIP = new Set(['node_modules', '.git', 'dist', 'out', 'test-results']);

export function discoverDeploymentFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, underDeployments: boolean) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
        walk(path.join(dir, e.name), underDeployments || e.name === 'deployments');
      } else if (underDeployments && e.isFile() && /\.ya?ml$/i.test(e.name)) {
        out.push(path.join(dir, e.name));
      }
    }
  };
  walk(root, path.basename(root) === 'deployments');
  return out.sort();
}

/** Expands CLI path arguments: files as they are, folders walked. Missing paths are returned apart. */
export function expandPaths(cwd: string, args: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    let st;
    try {
      st = statSync(abs);
    } catch {
      missing.push(arg);
      continue;
    }
    if (st.isDirectory()) {
      const found = discoverDeploymentFiles(abs);
      // A folder named on the command line is taken as meant: its YAML files count even when
      // they are not under a deployments/ folder.
      files.push(...(found.length ? found : walkYaml(abs)));
    } else files.push(abs);
  }
  return { files: [...new Set(files)], missing };
}

function walkYaml(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(path.join(dir, e.name));
  }
  return out.sort();
}
