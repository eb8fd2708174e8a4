/**
 * The files under some paths at several commits, in one git process: `git grep` of every line
 * (`^`) prints each file whole, one `<commit>:<path>NUL<line>` per line, for all the commits
 * at once. `verify` reads the committed deployment files and allowed signers of the records'
 * policy revisions this way. Works in a bare repository and, in a hook, on objects still in
 * git's quarantine.
 */
import type { GitProcesses } from './git-runner';

/** Commit → path → text, for full commit SHAs; a commit without such files maps to nothing. */
export async function readTreesAt(
  git: GitProcesses,
  commits: string[],
  pathspecs: string[],
): Promise<Map<string, Map<string, string>>> {
  const result = new Map<string, Map<string, string>>();
  const revs = [...new Set(commits)].filter((c) => /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(c));
  if (revs.length === 0) return result;
  for (const rev of revs) result.set(rev, new Map());
  // Every line of every file matches `^`, so git prints each file whole, one
  // `<commit>:<path>NUL<line>` per line, for all commits in one process.
  const r = await git.run([
    'grep',
    '--no-color',
    '--full-name',
    '-I',
    '--null',
    '-e',
    '^',
    ...revs,
    '--',
    ...pathspecs,
  ]);
  // Exit 1 means nothing matched (no such files), which is an answer, not a failure.
  if (r.code !== 0 && r.code !== 1) throw git.failure(['grep'], r);
  const lines = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const nul = line.indexOf('\0');
    if (nul < 0) continue;
    const name = line.slice(0, nul);
    const colon = name.indexOf(':');
    if (colon < 0 || !result.has(name.slice(0, colon))) continue;
    const list = lines.get(name) ?? [];
    list.push(line.slice(nul + 1));
    lines.set(name, list);
  }
  for (const [name, list] of lines) {
    const colon = name.indexOf(':');
    result.get(name.slice(0, colon))!.set(name.slice(colon + 1), `${list.join('\n')}\n`);
  }
  return result;
}
