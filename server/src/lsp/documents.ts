/**
 * The server's view of the workspace: which files are deployment files, their current parse
 * (from the editor buffer when open, from disk otherwise), and the core's WorkspaceIndex over
 * all of them, so cross-file rules and completion work on files that are not open.
 *
 * Only open documents keep their parse. A file that is not open is parsed when it is indexed
 * or changes on disk, published, and then cut down to the summary the index needs (`compact`):
 * at 5,000 files, keeping every syntax tree and model cost hundreds of megabytes. A feature that
 * asks for such a file later gets a fresh parse from disk, which is not kept.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  limitsFrom,
  parseDeploymentFile,
  reparseEdit,
  validationSteps,
  summarize,
  WorkspaceIndex,
  type DeploymentFile,
  type IndexedFile,
  type Problem,
} from '../core';
import { DEFAULT_SETTINGS, type Settings } from '../protocol/requests';
import { matchesGlob } from './glob';
import { collectSoon, LARGE_TEXT } from './memory';
import { canonicalUri, pathToUri, uriToPath } from './uris';
import { allowedSignersFor } from '../rollout/signers-file';
import type { RecordedComponents } from '../core';

const SKIP_FOLDERS = new Set(['node_modules', '.git']);

export interface Folder {
  uri: string;
  path: string;
}

/** A new parse of a file, as `read` returns it. */
interface ReadFile {
  file: DeploymentFile;
  /** The open document's version the parse came from, or undefined for a parse of the disk. */
  version?: number;
  /** True when the parse was spliced from the previous one (core/incremental.ts). */
  spliced?: boolean;
}

interface Entry {
  /** The parse: kept while the document is open, and for a closed file until `compact`. */
  file?: DeploymentFile;
  /** What the index holds for the file; kept for every file. */
  summary: IndexedFile;
  isDeployment: boolean;
  /** The open document's version the parse came from, or undefined for a parse of the disk. */
  version?: number;
  /** True when the parse was spliced from the previous one (core/incremental.ts). */
  spliced?: boolean;
}

/** Open documents as the server sees them; TextDocuments satisfies this. */
export interface OpenDocuments {
  get(uri: string): TextDocument | undefined;
  all(): TextDocument[];
}

export class DeploymentDocuments {
  readonly index = new WorkspaceIndex<IndexedFile>();
  /**
   * False until the first walk of the workspace has read every file. Until then the rules that
   * need the whole workspace (`duplicate-deployment`) are not run: on a partial index such a
   * rule would name only some of the other files, then more, which the user would see as
   * diagnostics that change for no reason. They are published once the index is complete.
   */
  workspaceReady = false;
  private folders: Folder[] = [];
  private readonly settings = new Map<string, Settings>();
  private readonly entries = new Map<string, Entry>();
  /** Canonical URI → the spelling the client used, for what is sent back. */
  private readonly clientUris = new Map<string, string>();
  /** Canonical URI of every open document. */
  private readonly open = new Map<string, string>();
  /** The last parse of each file that had targets, for completion in half-typed YAML. */
  private readonly lastGood = new Map<string, DeploymentFile>();

  constructor(
    private readonly documents: OpenDocuments,
    private readonly log: (message: string) => void,
  ) {}

  setFolders(folders: Folder[]): void {
    this.folders = folders.map((f) => ({ uri: canonicalUri(f.uri), path: path.resolve(f.path) }));
  }

  getFolders(): Folder[] {
    return this.folders;
  }

  setSettings(folderUri: string, settings: Settings): void {
    this.settings.set(canonicalUri(folderUri), settings);
  }

  /** The workspace folder holding a file: the deepest one, for nested folders. */
  folderOf(uri: string): Folder | undefined {
    const p = uriToPath(uri);
    if (p === undefined) return undefined;
    let best: Folder | undefined;
    for (const f of this.folders) {
      const rel = path.relative(f.path, p);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      if (!best || f.path.length > best.path.length) best = f;
    }
    return best;
  }

  settingsFor(uri: string): Settings {
    const folder = this.folderOf(uri);
    return (folder && this.settings.get(folder.uri)) ?? this.settings.get('') ?? DEFAULT_SETTINGS;
  }

  /** True when the file matches the `files` glob of its folder (or, outside folders, anywhere). */
  isCandidate(uri: string): boolean {
    const p = uriToPath(uri);
    if (p === undefined) return false;
    const folder = this.folderOf(uri);
    const rel = (folder ? path.relative(folder.path, p) : p.replace(/^\/+/, ''))
      .split(path.sep)
      .join('/');
    if (rel.split('/').some((seg) => SKIP_FOLDERS.has(seg))) return false;
    return matchesGlob(rel, this.settingsFor(uri).files);
  }

  clientUri(uri: string): string {
    return this.clientUris.get(canonicalUri(uri)) ?? uri;
  }

  didOpen(clientUri: string): string {
    const key = canonicalUri(clientUri);
    this.clientUris.set(key, clientUri);
    this.open.set(key, clientUri);
    return key;
  }

  didClose(clientUri: string): string {
    const key = canonicalUri(clientUri);
    this.open.delete(key);
    return key;
  }

  isOpen(uri: string): boolean {
    return this.open.has(canonicalUri(uri));
  }

  /** Every file found under the workspace folders that matches the glob, as canonical URIs. */
  scan(): string[] {
    const out: string[] = [];
    for (const folder of this.folders) {
      const walk = (dir: string, depth: number) => {
        if (depth > 64) return;
        let entries;
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const full = path.join(dir, e.name);
          if (e.isDirectory()) {
            if (!SKIP_FOLDERS.has(e.name)) walk(full, depth + 1);
          } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) {
            const uri = pathToUri(full);
            if (this.isCandidate(uri)) out.push(uri);
          }
        }
      };
      walk(folder.path, 0);
    }
    return [...new Set(out)].sort();
  }

  /**
   * Re-reads a file (buffer if open, disk otherwise) and updates the index. Returns the
   * deployment names whose files must be re-validated: the file's old and new names.
   */
  refresh(uri: string): string[] {
    const key = canonicalUri(uri);
    const previousEntry = this.entries.get(key);
    const previous = previousEntry?.file;
    const before = previousEntry?.summary.deployment?.name?.value;
    const entry = this.read(key, previous);
    if (entry) this.store(key, entry);
    else this.forget(key);
    // A spliced edit allocates little and leaves one target's nodes behind, so only a full
    // parse of a large text is worth a full collection (which takes long in a large heap).
    if (!entry?.spliced && (entry?.file.text.length ?? 0) >= LARGE_TEXT) collectSoon();
    const after = entry?.file.deployment?.name?.value;
    return [...new Set([before, after].filter((n): n is string => n !== undefined))];
  }

  /** Drops a file (deleted, or no longer matching the glob). Returns its deployment name. */
  remove(uri: string): string[] {
    const key = canonicalUri(uri);
    const before = this.entries.get(key)?.summary.deployment?.name?.value;
    this.forget(key);
    return before === undefined ? [] : [before];
  }

  /** The current parse of a file, re-parsed when its open buffer changed since. */
  get(uri: string): DeploymentFile | undefined {
    const key = canonicalUri(uri);
    const entry = this.entries.get(key);
    const open = this.open.get(key);
    if (open !== undefined) {
      const doc = this.documents.get(open);
      if (doc && (entry?.version !== doc.version || !entry.file)) {
        this.refresh(key);
        return this.entries.get(key)?.file;
      }
    }
    if (!entry) return undefined;
    // A compacted file is read again from disk for whoever asks, and not kept.
    return entry.file ?? this.read(key)?.file;
  }

  /**
   * Drops the parse of a file that is not open, keeping its summary in the index. Called once
   * the file's diagnostics are published, which is the last thing that needs the parse.
   */
  compact(uri: string): void {
    const key = canonicalUri(uri);
    if (this.open.has(key)) return;
    const entry = this.entries.get(key);
    if (!entry?.file) return;
    entry.file = undefined;
    entry.version = undefined;
    this.lastGood.delete(key);
  }

  /** The current parse when the file is a deployment file, else undefined. */
  deployment(uri: string): DeploymentFile | undefined {
    const f = this.get(uri);
    return f?.isDeployment && f.deployment ? f : undefined;
  }

  /** The last parse of this file that had targets, for features that run on half-typed YAML. */
  lastGoodParse(uri: string): DeploymentFile | undefined {
    return this.lastGood.get(canonicalUri(uri));
  }

  /** Open text of a document, when open. */
  openText(uri: string): TextDocument | undefined {
    const open = this.open.get(canonicalUri(uri));
    return open === undefined ? undefined : this.documents.get(open);
  }

  /** URIs of every indexed deployment file. */
  indexed(): string[] {
    return this.index.all().map((f) => f.file);
  }

  /** URIs of the files declaring a deployment name. */
  filesOf(deploymentName: string): string[] {
    return this.index.filesFor(deploymentName).map((f) => f.file);
  }

  /** What git has recorded per deployment (set by the session from the live state). */
  recordedFor?: (deployment: string) => RecordedComponents | undefined;

  /** Problems of one file with the workspace-wide rules, or [] when it is not a deployment file. */
  problems(uri: string): Problem[] {
    const steps = this.problemSteps(uri);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `problems`, one rule at a time (core `validationSteps`): the session runs an edit's
   * validation this way, answering requests between the steps. The parse is taken once, at
   * the start; the caller stops stepping when a newer text replaced it.
   */
  *problemSteps(uri: string): Generator<void, Problem[], void> {
    const file = this.get(uri);
    if (!file || !file.isDeployment || !this.index.get(file.file)) return [];
    const p = uriToPath(file.file);
    const name = file.deployment?.name?.value;
    const problems = yield* validationSteps(file, {
      workspace: this.workspaceReady ? this.index : undefined,
      // Read from disk: the committed file is what git verifies signatures with.
      allowedSigners: p === undefined ? undefined : allowedSignersFor(p),
      // Live state only for open files: a closed file never costs a git read.
      recorded: name && this.isOpen(uri) ? this.recordedFor?.(name) : undefined,
    });
    // The plain-data value is only read by the schema check, whose findings are kept per parse;
    // after the first validation it is dead weight, except in an open file, where the next edit
    // inside one target is spliced into it (core/incremental.ts).
    if (!this.isOpen(uri)) file.value = undefined;
    return problems;
  }

  /**
   * The new parse of a file. The previous parse's syntax tree is replaced here and nothing reads
   * it afterwards (the last good parse keeps only its model for completion), so it is released
   * before a full parse: otherwise both trees are alive at the peak of the parse. An edit of an
   * open buffer inside one target is first spliced into it instead (core/incremental.ts), which
   * takes the tree over.
   */
  private read(key: string, previous?: DeploymentFile): ReadFile | undefined {
    if (!this.isCandidate(key)) {
      if (previous) releaseSyntax(previous);
      return undefined;
    }
    const limits = limitsFrom(this.settingsFor(key));
    const open = this.open.get(key);
    const doc = open === undefined ? undefined : this.documents.get(open);
    if (doc) {
      const text = doc.getText();
      const spliced = previous ? reparseEdit(previous, text, limits) : undefined;
      if (spliced) return { file: spliced, version: doc.version, spliced: true };
      if (previous) releaseSyntax(previous);
      return { file: parseDeploymentFile(text, key, limits), version: doc.version };
    }
    if (previous) releaseSyntax(previous);
    const p = uriToPath(key);
    if (p === undefined) return undefined;
    try {
      const st = statSync(p);
      if (!st.isFile()) return undefined;
      // A file far above the limit is not read at all; one a little above it is read so that
      // the parser can report it as too large at its first line.
      if (st.size > limits.maxFileSize * 4) {
        this.log(`Skipping ${p}: ${st.size} bytes is far above atmosDeployments.maxFileSize.`);
        return undefined;
      }
      return { file: parseDeploymentFile(readFileSync(p, 'utf8'), key, limits) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.log(`Cannot read ${p}: ${code ?? String(err)}`);
      return undefined;
    }
  }

  private store(key: string, read: { file: DeploymentFile; version?: number }): void {
    const { file, version } = read;
    const summary = summarize(file);
    this.entries.set(key, { file, summary, isDeployment: file.isDeployment, version });
    if (file.isDeployment) this.index.set(summary);
    else this.index.delete(key);
    if (file.deployment && file.deployment.targets.length > 0) this.lastGood.set(key, file);
  }

  private forget(key: string): void {
    this.entries.delete(key);
    this.lastGood.delete(key);
    this.index.delete(key);
  }
}

/**
 * Drops the parts of a parse that only validation and the syntax-tree features read (the yaml
 * Document and the plain-data value), keeping the model, the text and the problems.
 */
function releaseSyntax(file: DeploymentFile): void {
  file.doc = undefined;
  file.value = undefined;
}
