/**
 * Finds deployment files under a folder without a glob library: a plain walk that never
 * enters node_modules, .git or other dot-folders, and keeps `*.yaml`/`*.yml` files that sit
 * under a `deployments/` folder (design section 2).
 *
 * Every candidate the walk cannot check is returned with a reason instead of being dropped, so
 * that `validate` can fail a CI gate rather than pass it by skipping (issue 16, class 5): a
 * folder it cannot read, a FIFO, socket or device, a link whose target is missing or loops, and
 * a folder named like a deployment file.
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

const SKIP = new Set(['node_modules', '.git', 'dist', 'out', 'test-results']);
const YAML = /\.ya?ml$/i;

/** A file to read: `abs` names it for people, `fsPath` is the exact bytes the file system holds. */
export interface FoundFile {
  abs: string;
  fsPath: string | Buffer;
}

/** A path that looked like a deployment file (or held some) but could not be checked. */
export interface Unchecked {
  abs: string;
  reason: string;
}

export interface Discovery {
  files: FoundFile[];
  unchecked: Unchecked[];
}

/** One decoder for every name: a fatal decoder keeps no state between calls that throw. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A file name as people read it. Names are bytes on Linux: a name that is not valid UTF-8 is
 * shown with `\xNN` for each byte outside printable ASCII, so two such names never print alike
 * and the report can be traced back to the file (decoding with U+FFFD would lose both).
 */
export function displayBytes(name: Buffer): string {
  try {
    return STRICT_UTF8.decode(name);
  } catch {
    let out = '';
    for (const b of name)
      out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16)}`;
    return out;
  }
}

/** What a non-file is, in words, for the reason a candidate was not checked. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

function linkProblem(err: unknown): string {
  const code = errCode(err);
  if (code === 'ENOENT') return 'a link whose target does not exist';
  if (code === 'ELOOP') return 'a link that loops back on itself';
  return `a link whose target cannot be read (${code})`;
}

class Walker {
  readonly files: FoundFile[] = [];
  readonly unchecked: Unchecked[] = [];
  /** Folders already walked, by device and inode, so that a link back up never loops. */
  private readonly seen = new Set<string>();

  /** Walks one folder; `recurse` false looks only at its own entries (a folder named as meant). */
  walk(fsDir: Buffer, showDir: string, underDeployments: boolean, recurse = true): void {
    let st: Stats;
    let entries;
    try {
      st = statSync(fsDir);
      entries = readdirSync(fsDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      this.unchecked.push({
        abs: showDir,
        reason: `a folder that cannot be read (${errCode(err)})`,
      });
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    for (const e of entries) {
      const name = displayBytes(e.name);
      const fsPath = Buffer.concat([fsDir, Buffer.from(path.sep), e.name]);
      const show = path.join(showDir, name);
      const candidate = underDeployments && YAML.test(name);
      let target: Stats | undefined;
      if (e.isSymbolicLink()) {
        // A link is judged by what it points at; stat follows it, and never opens it.
        try {
          target = statSync(fsPath);
        } catch (err) {
          if (candidate) this.unchecked.push({ abs: show, reason: linkProblem(err) });
          continue;
        }
      }
      const isDir = target ? target.isDirectory() : e.isDirectory();
      const isFile = target ? target.isFile() : e.isFile();
      if (candidate && isFile) this.files.push({ abs: show, fsPath });
      else if (candidate) {
        // A folder named like a deployment file is not entered: it is almost always a mistake
        // (an unpacked archive, a mount point), and the run fails so that someone looks.
        const kind = target ? kindOf(target) : isDir ? 'a folder' : kindOfDirent(e);
        this.unchecked.push({
          abs: show,
          reason: `${target ? `a link to ${kind}` : kind}, not a file`,
        });
      } else if (isDir && recurse && !SKIP.has(name) && !name.startsWith('.'))
        this.walk(fsPath, show, underDeployments || name === 'deployments');
    }
  }
}

function kindOfDirent(e: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (e.isFIFO()) return 'a FIFO (named pipe)';
  if (e.isSocket()) return 'a socket';
  if (e.isCharacterDevice()) return 'a character device';
  if (e.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function sorted(w: Walker): Discovery {
  const byName = <T extends { abs: string }>(a: T, b: T) =>
    a.abs < b.abs ? -1 : a.abs > b.abs ? 1 : 0;
  return { files: w.files.sort(byName), unchecked: w.unchecked.sort(byName) };
}

export function discoverDeploymentFiles(root: string): Discovery {
  const w = new Walker();
  w.walk(Buffer.from(root), root, path.basename(root) === 'deployments');
  return sorted(w);
}

/**
 * Expands CLI path arguments: files as they are, folders walked. Missing paths are returned
 * apart (a usage error); paths that exist but cannot be checked come back as `unchecked`.
 */
export function expandPaths(cwd: string, args: string[]): Discovery & { missing: string[] } {
  const files: FoundFile[] = [];
  const unchecked: Unchecked[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch (err) {
      const code = errCode(err);
      // A link that exists but leads nowhere is not a typo in the path: say what it is.
      if (code === 'ENOENT' && !isLink(abs)) missing.push(arg);
      else
        unchecked.push({
          abs,
          reason: isLink(abs) ? linkProblem(err) : `cannot be read (${code})`,
        });
      continue;
    }
    const link = isLink(abs) ? 'a link to ' : '';
    if (st.isDirectory() && YAML.test(abs)) {
      // Named like a file and meant as one, as in the walk: not entered, and reported.
      unchecked.push({ abs, reason: `${link}a folder, not a file` });
    } else if (st.isDirectory()) {
      const found = discoverDeploymentFiles(abs);
      if (found.files.length || found.unchecked.length) {
        files.push(...found.files);
        unchecked.push(...found.unchecked);
      } else {
        // A folder named on the command line is taken as meant: its YAML files count even when
        // they are not under a deployments/ folder.
        const w = new Walker();
        w.walk(Buffer.from(abs), abs, true, false);
        const own = sorted(w);
        files.push(...own.files);
        unchecked.push(...own.unchecked);
      }
    } else if (st.isFile()) files.push({ abs, fsPath: abs });
    else unchecked.push({ abs, reason: `${link}${kindOf(st)}, not a file` });
  }
  // A path named twice (itself and inside a folder) is checked, or reported, once.
  const unique = new Map(files.map((f) => [f.abs, f]));
  const once = new Map(unchecked.map((u) => [u.abs, u]));
  return { files: [...unique.values()], unchecked: [...once.values()], missing };
}

function isLink(abs: string): boolean {
  try {
    return lstatSync(abs).isSymbolicLink();
  } catch {
    return false;
  }
}
