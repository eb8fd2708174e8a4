/**
 * Watches a repository's refs so hovers and lenses update when someone promotes (from the CLI,
 * another window, or a fetch). Editors exclude `.git` from file watching, so this uses fs.watch
 * on the git directory itself: `packed-refs` there, and `refs/` below it (recursive).
 */
import { existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** The git directory of the repository holding `dir`, following a `.git` file (worktrees). */
export function findGitDir(dir: string): string | undefined {
  let cur = path.resolve(dir);
  for (let i = 0; i < 64; i++) {
    const dotGit = path.join(cur, '.git');
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) return dotGit;
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
        if (m) return path.resolve(cur, m[1].trim());
      }
    } catch {
      // No .git here; keep walking up.
    }
    const parent = path.dirname(cur);
    if (parent === cur) return undefined;
    cur = parent;
  }
  return undefined;
}

/**
 * Calls `onChange` (debounced) when atmos refs, notes, tags, packed-refs, branches or HEAD
 * change. Branches and HEAD count because the entry point's lens names the commit HEAD is at:
 * after a commit or a checkout it must name the new one. Returns a disposer.
 */
export function watchRefs(
  gitDir: string,
  onChange: () => void,
  log: (message: string) => void,
  delayMs = 200,
): () => void {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, delayMs);
  };
  const add = (target: string, recursive: boolean, filter: (name: string) => boolean) => {
    if (!existsSync(target)) return;
    try {
      const w = watch(target, { recursive, persistent: false }, (_event, name) => {
        if (name === null || filter(String(name))) fire();
      });
      w.on('error', (err) => log(`Watching ${target} stopped: ${String(err)}`));
      watchers.push(w);
    } catch (err) {
      log(`Cannot watch ${target}: ${String(err)}; lenses refresh on edits only.`);
    }
  };
  add(gitDir, false, (n) => n === 'packed-refs' || n === 'refs' || n === 'HEAD');
  add(path.join(gitDir, 'refs'), true, (n) =>
    /^(atmos|notes|tags|heads)(\/|$)/.test(n.split(path.sep).join('/')),
  );
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
