/**
 * Reads the committed `.atmos/allowed_signers` from disk for the validation rules (the core
 * reads no files). Shared by the CLI and the language server so both see the same file: the
 * one at the top of the git repository that holds the deployment file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ALLOWED_SIGNERS_PATH, parseAllowedSigners, type AllowedSigners } from '../core';

const cache = new Map<string, { stamp: string; value: AllowedSigners }>();

/**
 * The repository top above a file or folder: the nearest folder holding `.git`, or holding the
 * allowed-signers file itself (a checkout exported without `.git`, as CI artifacts often are).
 */
export function repositoryTop(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (
      existsSync(path.join(dir, '.git')) ||
      existsSync(path.join(dir, ...ALLOWED_SIGNERS_PATH.split('/')))
    )
      return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * What `.atmos/allowed_signers` of the repository holding `fileOrDir` says, or undefined
 * outside a repository (where no approval could be verified anyway). The editor validates on
 * every keystroke, so the parsed file is kept until its size or time changes.
 */
export function allowedSignersFor(fileOrDir: string): AllowedSigners | undefined {
  const top = repositoryTop(fileOrDir);
  if (top === undefined) return undefined;
  const file = path.join(top, ...ALLOWED_SIGNERS_PATH.split('/'));
  let stamp = 'missing';
  try {
    const st = statSync(file);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    // No file: every approver is reported as having no key, which is the truth.
  }
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.value;
  let text: string | undefined;
  try {
    text = stamp === 'missing' ? undefined : readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  const value = parseAllowedSigners(text);
  cache.set(file, { stamp, value });
  return value;
}
