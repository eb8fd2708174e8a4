/** Loads a folder's deployment files into the core's workspace index, as the editor does. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  displayName,
  DEFAULT_LIMITS,
  parseDeploymentFile,
  WorkspaceIndex,
  type DeploymentFile,
  type ParseLimits,
} from '../core';
import { discoverDeploymentFiles } from './discover';
import { CliError, EXIT } from './errors';

export interface LoadedWorkspace {
  cwd: string;
  index: WorkspaceIndex;
}

/** Reads one file; files are named relative to cwd so messages and JSON match `--cwd`. */
export function loadFile(
  cwd: string,
  abs: string,
  limits: ParseLimits = DEFAULT_LIMITS,
): DeploymentFile {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new CliError(
      `Cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      EXIT.usage,
    );
  }
  return parseDeploymentFile(text, relativeName(cwd, abs), limits);
}

export function relativeName(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return (rel.startsWith('..') ? abs : rel).split(path.sep).join('/');
}

export function loadWorkspace(cwd: string, limits: ParseLimits = DEFAULT_LIMITS): LoadedWorkspace {
  const index = new WorkspaceIndex();
  for (const abs of discoverDeploymentFiles(cwd)) {
    // A file found by the walk and gone by the read (another process cleaning up, a checkout in
    // progress) is simply not part of the workspace; any other read error still stops here.
    let file: DeploymentFile;
    try {
      file = loadFile(cwd, abs, limits);
    } catch (err) {
      if (!existsSync(abs)) continue;
      throw err;
    }
    if (file.isDeployment) index.set(file);
  }
  return { cwd, index };
}

/** The file that defines a deployment, or a usage error that lists the known ones. */
export function findDeployment(ws: LoadedWorkspace, name: string): DeploymentFile {
  const file = ws.index.find(name);
  if (file?.deployment) return file;
  const known = ws.index.deploymentNames();
  throw new CliError(
    known.length
      ? `Unknown deployment '${displayName(name)}'. Known deployments: ${known.map(displayName).join(', ')}.`
      : `Unknown deployment '${displayName(name)}': no deployment files were found under ${ws.cwd} (looked for deployments/*.yaml with a top-level 'deployment:' key).`,
    EXIT.usage,
  );
}
