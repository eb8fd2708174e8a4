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
import { discoverDeploymentFiles, type FoundFile, type Unchecked } from './discover';
import { CliError, EXIT } from './errors';

export interface LoadedWorkspace {
  cwd: string;
  index: WorkspaceIndex;
  /** Files the walk found but could not check, each with its reason (`validate` reports them). */
  unchecked: Unchecked[];
}

/**
 * Reads one file; files are named relative to cwd so messages and JSON match `--cwd`. A file
 * that cannot be read comes back as its reason, for the caller to report, not as an exception.
 */
export function loadFile(
  cwd: string,
  found: FoundFile,
  limits: ParseLimits = DEFAULT_LIMITS,
): DeploymentFile | Unchecked {
  let text: string;
  try {
    text = readFileSync(found.fsPath, 'utf8');
  } catch (err) {
    return {
      abs: found.abs,
      reason: `a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    };
  }
  return parseDeploymentFile(text, relativeName(cwd, found.abs), limits);
}

export function isUnchecked(x: DeploymentFile | Unchecked): x is Unchecked {
  return 'reason' in x;
}

export function relativeName(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return (rel.startsWith('..') ? abs : rel).split(path.sep).join('/');
}

export function loadWorkspace(cwd: string, limits: ParseLimits = DEFAULT_LIMITS): LoadedWorkspace {
  const index = new WorkspaceIndex();
  const found = discoverDeploymentFiles(cwd);
  const unchecked = [...found.unchecked];
  for (const f of found.files) {
    const file = loadFile(cwd, f, limits);
    if (!isUnchecked(file)) {
      if (file.isDeployment) index.set(file);
    } else if (existsSync(f.fsPath)) unchecked.push(file);
    // A file found by the walk and gone by the read (another process cleaning up, a checkout
    // in progress) is simply not part of the workspace, so it is not reported either.
  }
  return { cwd, index, unchecked };
}

/** The file that defines a deployment, or a usage error that lists the known ones. */
export function findDeployment(ws: LoadedWorkspace, name: string): DeploymentFile {
  const file = ws.index.find(name);
  if (file?.deployment) return file;
  const known = ws.index.deploymentNames();
  // The deployment may be in a file the walk could not read; naming those beats a bare "unknown".
  const unread = ws.unchecked.length
    ? ` ${ws.unchecked.length} file${ws.unchecked.length === 1 ? '' : 's'} could not be checked: ${ws.unchecked
        .slice(0, 5)
        .map((u) => `${relativeName(ws.cwd, u.abs)} (${u.reason})`)
        .join(', ')}${ws.unchecked.length > 5 ? ', …' : ''}.`
    : '';
  throw new CliError(
    (known.length
      ? `Unknown deployment '${displayName(name)}'. Known deployments: ${known.map(displayName).join(', ')}.`
      : `Unknown deployment '${displayName(name)}': no deployment files were found under ${ws.cwd} (looked for deployments/*.yaml with a top-level 'deployment:' key).`) +
      unread,
    EXIT.usage,
  );
}
