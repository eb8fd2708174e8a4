/**
 * The walk over the workspace folders that fills the index. It runs in the background: files
 * are read in slices of INDEX_SLICE_MS with the message loop let through between slices, so a
 * document opened at start is validated at once rather than after thousands of other files,
 * and clients that show work-done progress see how far the walk is.
 *
 * The cross-file rules (`duplicate-deployment`) wait for the walk to finish
 * (`DeploymentDocuments.workspaceReady`): on a partial index they would name some of the other
 * files, then more, a change the user would see for no reason. When the walk is complete, the
 * files those rules can speak about are published again.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver';
import { watchFolders } from './disk-watch';
import type { DeploymentDocuments } from './documents';
import { pathToUri, uriToPath } from './uris';

/**
 * The longest the walk reads files before it lets other messages through: an open or an edit
 * during the walk waits at most about this long.
 */
export const INDEX_SLICE_MS = 15;

export const INDEX_PROGRESS_TITLE = 'Atmos: indexing deployment files';

export interface WalkDeps {
  connection: Connection;
  docs: DeploymentDocuments;
  /** Canonical URIs of the open documents. */
  openDocuments: () => string[];
  /** Files whose last published diagnostics were not empty. */
  published: () => string[];
  publish: (uri: string) => void;
  revalidate: (uri: string, names: string[]) => void;
  /** True when the server must watch the folders itself (the client does not watch for it). */
  watchDisk: () => boolean;
  diskChanged: (uri: string, deleted: boolean) => void;
  /** Called when a walk is complete: views listing deployments refresh. */
  indexed: () => void;
  log: (message: string) => void;
  logError: (message: string) => void;
}

/** Lets the message loop run: pending messages from the client are handled before this resolves. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class WorkspaceWalk {
  /** Bumped by every walk, so a walk overtaken by a newer one (a settings change) stops. */
  private generation = 0;
  private stopDiskWatch: () => void = () => undefined;
  /** Open documents validated from their buffer since the current walk began. */
  private readonly fresh = new Set<string>();

  private markIndexed: () => void = () => undefined;
  /** Settles once the first walk has read every file, or failed. */
  private readonly indexed = new Promise<void>((resolve) => (this.markIndexed = resolve));

  constructor(private readonly deps: WalkDeps) {}

  /**
   * Resolves once the workspace has been read in full: a request that lists every deployment
   * (the Promotions view's status, which also decides whether the welcome view offers to
   * create the first file) waits for it, or it would list the files the walk had reached.
   */
  whenIndexed(): Promise<void> {
    return this.indexed;
  }

  /** Runs a walk and logs what it did; never throws. */
  async run(): Promise<void> {
    const started = Date.now();
    // A walk that a newer one overtook leaves the signal to that one; a failed one gives it,
    // so that nothing waits forever.
    let finished = true;
    try {
      finished = await this.walk();
      if (finished)
        this.deps.log(
          `Indexed ${this.deps.docs.indexed().length} deployment files in ${Date.now() - started} ms.`,
        );
    } catch (err) {
      this.deps.logError(`Indexing failed: ${(err as Error)?.stack ?? String(err)}`);
    } finally {
      if (finished) this.markIndexed();
    }
  }

  /**
   * Called when an open document is validated: a walk under way then skips it, since it was
   * read with the settings the walk reads with.
   */
  validated(uri: string): void {
    this.fresh.add(uri);
  }

  stop(): void {
    this.generation++;
    this.stopDiskWatch();
  }

  /** Returns false when a newer walk took over before this one finished. */
  private async walk(): Promise<boolean> {
    const { docs, publish } = this.deps;
    const run = ++this.generation;
    this.fresh.clear();
    const progress: WorkDoneProgressServerReporter | undefined = await this.deps.connection.window
      .createWorkDoneProgress()
      .catch(() => undefined);
    try {
      // An open that arrived with `initialized` is validated before the walk starts.
      await yieldToEvents();
      if (run !== this.generation) return false;
      const found = new Set(docs.scan());
      for (const uri of this.deps.openDocuments()) found.add(uri);
      for (const uri of docs.indexed())
        if (!found.has(uri)) this.deps.revalidate(uri, docs.remove(uri));
      progress?.begin(INDEX_PROGRESS_TITLE, 0, `0 of ${found.size} files`, false);
      let done = 0;
      let sliceStart = Date.now();
      for (const uri of found) {
        if (run !== this.generation) return false;
        done++;
        // An open document read from its buffer since the walk began needs no second read.
        if (docs.isOpen(uri) && this.fresh.has(uri)) continue;
        docs.refresh(uri);
        publish(uri);
        if (Date.now() - sliceStart >= INDEX_SLICE_MS) {
          progress?.report(Math.floor((done / found.size) * 100), `${done} of ${found.size} files`);
          await yieldToEvents();
          sliceStart = Date.now();
        }
      }
      // Files published before that are gone now (no longer matching the glob) are cleared.
      for (const uri of this.deps.published()) if (!found.has(uri)) publish(uri);
      if (this.deps.watchDisk()) this.watch(found);
    } finally {
      progress?.done();
    }
    docs.workspaceReady = true;
    // Only these can have findings from the cross-file rules: every other file was published
    // with all it will show until something changes.
    const crossFile = new Set(docs.index.sharedNames().flatMap((n) => docs.filesOf(n)));
    for (const uri of this.deps.openDocuments()) crossFile.add(uri);
    for (const uri of crossFile) publish(uri);
    this.deps.indexed();
    return true;
  }

  private watch(found: Set<string>): void {
    this.stopDiskWatch();
    const dirs = [...found].flatMap((u) => {
      const p = uriToPath(u);
      return p ? [path.dirname(p)] : [];
    });
    this.stopDiskWatch = watchFolders(
      dirs,
      (file) => {
        try {
          this.deps.diskChanged(pathToUri(file), !existsSync(file));
        } catch (err) {
          this.deps.logError(`Handling a change of ${file} failed: ${String(err)}`);
        }
      },
      this.deps.log,
    );
  }
}
