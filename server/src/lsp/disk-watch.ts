/**
 * File watching for clients that cannot watch files for the server (no dynamic registration of
 * workspace/didChangeWatchedFiles, as in Neovim 0.7). Only the folders that hold deployment
 * files are watched, each on its own, so a large repository costs a handful of watchers rather
 * than one per folder of node_modules.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** The most folders watched this way; beyond it, disk changes are picked up at the next rescan. */
export const MAX_WATCHED_FOLDERS = 256;

export function watchFolders(
  folders: string[],
  onFile: (file: string) => void,
  log: (message: string) => void,
): () => void {
  const watchers: FSWatcher[] = [];
  const unique = [...new Set(folders)];
  if (unique.length > MAX_WATCHED_FOLDERS)
    log(
      `Watching the first ${MAX_WATCHED_FOLDERS} of ${unique.length} folders with deployment files; the client does not watch files for the server.`,
    );
  for (const dir of unique.slice(0, MAX_WATCHED_FOLDERS)) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name !== null && /\.ya?ml$/i.test(String(name))) onFile(path.join(dir, String(name)));
      });
      w.on('error', () => w.close());
      watchers.push(w);
    } catch (err) {
      log(`Cannot watch ${dir}: ${String(err)}`);
    }
  }
  return () => {
    for (const w of watchers) w.close();
  };
}
