/** The machine and the versions the numbers were taken with. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './servers';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  loadAverage: number[];
  node: string;
  git: string;
  packages: Record<string, string>;
  commit: string;
}

function installed(name: string): string {
  try {
    const pkg = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version: string };
    return pkg.version;
  } catch {
    return 'not installed';
  }
}

export function machineInfo(): MachineInfo {
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const ownVersion = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    git: run('git', ['--version']).replace(/^git version /, ''),
    packages: {
      'atmos-deployments': ownVersion,
      'yaml-language-server': installed('yaml-language-server'),
      yaml: installed('yaml'),
      ajv: installed('ajv'),
      'vscode-languageserver': installed('vscode-languageserver'),
      'vscode-jsonrpc': installed('vscode-jsonrpc'),
      'simple-git': installed('simple-git'),
    },
    commit: run('git', ['rev-parse', '--short', 'HEAD']),
  };
}
