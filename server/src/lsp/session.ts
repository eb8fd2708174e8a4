/**
 * Wires the LSP connection to the feature functions. Handlers only look up the document, call
 * a feature and return; everything that can go wrong is caught here, logged to the client's
 * log, and answered with an empty result, so bad input never takes the server down.
 */
import {
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocuments,
  WatchKind,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  StateChangedNotification,
  DeployOutputNotification,
  WorkspaceTrustedNotification,
} from '../protocol/requests';
import { clientFeatures, serverCapabilities, type ClientFeatures } from './capabilities';
import type { FeatureContext } from './context';
import { DeploymentDocuments } from './documents';
import { diagnostics, toDiagnostics } from './features/diagnostics';
import { runInSlices } from './slices';
import type { Problem } from '../core';
import { createGitBackends } from './git-backends';
import { GitRouter, type FolderBackends } from './git-routing';
import { CachedLiveState, EmptyLiveState } from './live-state';
import { registerCustomRequests } from './custom-requests';
import { registerDocumentRequests } from './document-requests';
import { collectPending } from './memory';
import { findGitDir, watchRefs } from './refs-watch';
import { TrustGate, UnavailableRollout, type RolloutBackend } from './rollout-backend';
import { RecordedComponentsWatch } from './recorded-components';
import { startRequestPoll } from './request-poll';
import { readSettings, sameSettings, SETTINGS_SECTION } from './settings';
import { canonicalUri, uriToPath } from './uris';
import { WorkspaceWalk } from './workspace-walk';

/**
 * The shortest time between two validations of one document while it is being edited. An edit
 * after a pause is validated at once (the user sees a problem as soon as they stop); edits
 * during a burst wait for the window to end and are then validated once, on the latest text.
 */
export const DEBOUNCE_MS = 120;

export function startSession(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const log = (message: string) => connection.console.log(message);
  const logError = (message: string) => connection.console.error(message);
  const docs = new DeploymentDocuments(documents, log);
  const live = new CachedLiveState(new EmptyLiveState());
  let trusted = true;
  const gate = new TrustGate(
    () => rollout,
    () => trusted,
  );
  let rollout: RolloutBackend = new UnavailableRollout(
    'Git records are not available yet: this server has no rollout service for the workspace.',
  );
  let features: ClientFeatures = clientFeatures({});
  let clientFolders: WorkspaceFolder[] = [];
  /** Settings pushed by clients that cannot answer workspace/configuration. */
  let pushedSettings: unknown;
  const ctx = (): FeatureContext => ({
    docs,
    live,
    markdown: features.markdown,
    changeAnnotations: features.changeAnnotations,
    completionDefaults: features.completionDefaults,
    resolveDetail: features.resolveDetail,
    commandLinks,
  });
  const timers = new Map<string, NodeJS.Timeout>();
  const validatedVersion = new Map<string, number>();
  /** When each document was last validated because of an edit (not an open or a disk change). */
  const lastEditRun = new Map<string, number>();
  const nonEmpty = new Set<string>();
  const disposers: Array<() => void> = [];
  let debounceMs = DEBOUNCE_MS;
  let commandLinks = false;
  // Documents opened at start are validated once the settings are read (they say which files
  // are deployment files and the parse limits), not after the workspace is indexed: the index
  // fills in the background and the cross-file rules follow when it is complete.
  let markConfigured: () => void = () => undefined;
  const configured = new Promise<void>((resolve) => (markConfigured = resolve));
  // Lenses wait for git to be connected, which happens right after the settings are read.
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  process.on('uncaughtException', (err) => logError(`Uncaught error: ${err.stack ?? String(err)}`));
  process.on('unhandledRejection', (err) =>
    logError(`Unhandled rejection: ${(err as Error)?.stack ?? String(err)}`),
  );

  // ---- diagnostics -------------------------------------------------------------------------

  const publish = (uri: string) => {
    const key = canonicalUri(uri);
    let list: Diagnostic[];
    try {
      list = diagnostics(ctx(), key);
    } catch (err) {
      logError(`Validating ${key} failed: ${(err as Error)?.stack ?? String(err)}`);
      list = [];
    }
    send(key, list);
  };

  const send = (key: string, list: Diagnostic[]) => {
    // The parse of a file that is not open is not needed after this (see DeploymentDocuments).
    docs.compact(key);
    if (list.length === 0 && !nonEmpty.has(key) && !docs.isOpen(key)) return;
    if (list.length) nonEmpty.add(key);
    else nonEmpty.delete(key);
    // The version lets a client drop diagnostics that arrive for a text it has already changed.
    const version = docs.isOpen(key) ? documents.get(docs.clientUri(key))?.version : undefined;
    // Once these diagnostics are written, a large parse just before them is cleaned up.
    connection
      .sendDiagnostics({ uri: docs.clientUri(key), version, diagnostics: list })
      .then(collectPending, () => undefined);
  };

  /** Re-reads a file, publishes its diagnostics and those of every file sharing its deployment. */
  const revalidate = (uri: string, names: string[]) => {
    const key = canonicalUri(uri);
    publish(key);
    publishOthers(key, names);
  };

  /** Publishes the other files declaring these deployment names. */
  const publishOthers = (key: string, names: string[]) => {
    const others = new Set(names.flatMap((n) => docs.filesOf(n)).filter((u) => u !== key));
    for (const o of others) publish(o);
  };

  /**
   * Counts the validations of each file. A validation run in steps compares it after every
   * step and stops once another one has started: a newer edit, a flush for a request or a
   * change on disk has taken over, and its result would be stale.
   */
  const generation = new Map<string, number>();
  const nextGeneration = (key: string) => {
    const g = (generation.get(key) ?? 0) + 1;
    generation.set(key, g);
    return g;
  };

  const validateNow = (clientUri: string) => {
    const key = canonicalUri(clientUri);
    const t = timers.get(key);
    if (t) clearTimeout(t);
    timers.delete(key);
    nextGeneration(key);
    const doc = documents.get(clientUri);
    if (doc) validatedVersion.set(key, doc.version);
    walk.validated(key);
    revalidate(key, docs.refresh(key));
  };

  /**
   * An edit's validation: the text is parsed (or spliced) at once, so requests that come next
   * read the new model, and the rules then run in slices (slices.ts), so completion and hover
   * are answered between two rules (design: "big files stay instant"). The files sharing the
   * deployment are published after it, as `revalidate` does.
   */
  const validateEdit = async (clientUri: string): Promise<void> => {
    const key = canonicalUri(clientUri);
    const mine = nextGeneration(key);
    // The parse counts in the first slice: after a long one, requests go first at once.
    const startedAt = Date.now();
    const doc = documents.get(clientUri);
    if (doc) validatedVersion.set(key, doc.version);
    walk.validated(key);
    const names = docs.refresh(key);
    let problems: Problem[] | undefined;
    try {
      // Whoever started a newer validation publishes. A newer edit stops this one at once,
      // before its validation starts: a request may already have spliced that edit into this
      // parse's syntax tree, which the remaining rules must not read.
      problems = await runInSlices(
        docs.problemSteps(key),
        startedAt,
        () =>
          generation.get(key) === mine &&
          (!doc || documents.get(clientUri)?.version === doc.version),
      );
      if (!problems) return;
    } catch (err) {
      logError(`Validating ${key} failed: ${(err as Error)?.stack ?? String(err)}`);
      problems = [];
    }
    send(key, toDiagnostics(ctx(), problems));
    publishOthers(key, names);
  };

  const schedule = (clientUri: string) => {
    const key = canonicalUri(clientUri);
    const doc = documents.get(clientUri);
    if (doc && validatedVersion.get(key) === doc.version) return;
    if (!validatedVersion.has(key)) return;
    // A validation already scheduled reads the latest text when it runs, so it covers this edit.
    if (timers.has(key)) return;
    const since = Date.now() - (lastEditRun.get(key) ?? 0);
    // Zero still goes through the timer queue, so edits that arrive in the same read from the
    // client are validated together.
    const wait = since >= debounceMs ? 0 : debounceMs - since;
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        lastEditRun.set(key, Date.now());
        validateEdit(clientUri).catch((err) =>
          logError(`Validating ${key} failed: ${(err as Error)?.stack ?? String(err)}`),
        );
      }, wait),
    );
  };

  /**
   * Runs the validations still waiting for their window, so a request that reads the model
   * (the graph, the status) answers on the text the client has, not the one before it.
   */
  const flushPending = () => {
    for (const key of [...timers.keys()]) {
      clearTimeout(timers.get(key));
      timers.delete(key);
      const uri = docs.clientUri(key);
      try {
        validateNow(uri);
        lastEditRun.set(key, Date.now());
      } catch (err) {
        logError(`Validating ${key} failed: ${(err as Error)?.stack ?? String(err)}`);
      }
    }
  };

  /** A file changed on disk: re-read it unless its open buffer is what counts. */
  const diskChanged = (uri: string, deleted: boolean) => {
    const key = canonicalUri(uri);
    const below = deleted ? docs.indexed().filter((u) => u.startsWith(`${key}/`)) : [];
    for (const u of [key, ...below]) {
      if (docs.isOpen(u)) continue;
      if (deleted) {
        revalidate(u, docs.remove(u));
        publish(u);
      } else revalidate(u, docs.refresh(u));
    }
  };

  const walk = new WorkspaceWalk({
    connection,
    docs,
    openDocuments: () => documents.all().map((d) => canonicalUri(d.uri)),
    published: () => [...nonEmpty],
    publish,
    revalidate,
    watchDisk: () => !features.dynamicWatchedFiles,
    diskChanged,
    // A view that listed the deployments while the walk was under way saw only some of them.
    indexed: () =>
      void connection.sendNotification(StateChangedNotification, {
        deployments: docs.index.deploymentNames(),
      }),
    log,
    logError,
  });
  const reindexLogged = () => walk.run();

  // ---- settings ----------------------------------------------------------------------------

  const loadSettings = async (): Promise<boolean> => {
    const before = docs.getFolders().map((f) => docs.settingsFor(f.uri));
    const beforeDefault = docs.settingsFor('');
    if (features.configuration) {
      const scopes = clientFolders.length
        ? clientFolders.map((f) => ({ scopeUri: f.uri, section: SETTINGS_SECTION }))
        : [{ section: SETTINGS_SECTION }];
      try {
        const values: unknown[] = await connection.workspace.getConfiguration(scopes);
        if (clientFolders.length)
          clientFolders.forEach((f, i) => docs.setSettings(f.uri, readSettings(values[i])));
        else docs.setSettings('', readSettings(values[0]));
      } catch (err) {
        logError(`Reading settings failed, using defaults: ${String(err)}`);
      }
    } else {
      const s = readSettings(pushedSettings);
      docs.setSettings('', s);
      for (const f of clientFolders) docs.setSettings(f.uri, s);
    }
    const after = docs.getFolders().map((f) => docs.settingsFor(f.uri));
    return (
      !sameSettings(beforeDefault, docs.settingsFor('')) ||
      before.some((b, i) => !sameSettings(b, after[i]))
    );
  };

  // ---- live state --------------------------------------------------------------------------

  const recorded = new RecordedComponentsWatch(
    (name) => live.deployed(name),
    (name) => {
      for (const uri of docs.filesOf(name)) publish(uri);
    },
  );
  docs.recordedFor = (name) => recorded.get(name);

  const refsChanged = () => {
    live.invalidate();
    // The warning's read waits a moment: the watcher can fire on a new folder before a writer
    // has put the refs inside it, and the live state read first would be cached without them.
    recorded.refreshSoon();
    if (features.codeLensRefresh)
      connection.sendRequest(CodeLensRefreshRequest.type).catch((err) => {
        log(`Code lens refresh was refused: ${String(err)}`);
      });
    void connection.sendNotification(StateChangedNotification, {
      deployments: docs.index.deploymentNames(),
    });
  };

  const connectGit = () => {
    for (const d of disposers.splice(0)) d();
    const perFolder: FolderBackends = new Map();
    const gitDirs = new Set<string>();
    for (const folder of docs.getFolders()) {
      const gitDir = findGitDir(folder.path);
      if (!gitDir) {
        perFolder.set(folder.uri, `${folder.path} is not in a git repository`);
        continue;
      }
      gitDirs.add(gitDir);
      const backends = createGitBackends(
        folder.path,
        docs,
        () => docs.settingsFor(folder.uri),
        log,
        (p) => void connection.sendNotification(DeployOutputNotification, p),
      );
      perFolder.set(folder.uri, backends ?? `git could not be opened for ${folder.path}`);
    }
    const router = new GitRouter(docs, perFolder);
    live.setInner(router.live);
    rollout = router.rollout;
    for (const gitDir of gitDirs) disposers.push(watchRefs(gitDir, refsChanged, log));
  };

  // ---- lifecycle ---------------------------------------------------------------------------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    features = clientFeatures(params.capabilities);
    const opts = params.initializationOptions as
      { debounceMs?: unknown; workspaceTrusted?: unknown; commandLinks?: unknown } | undefined;
    // Only an explicit `false` restricts: editors that know nothing of trust keep full features.
    trusted = opts?.workspaceTrusted !== false;
    commandLinks = opts?.commandLinks === true;
    if (typeof opts?.debounceMs === 'number' && opts.debounceMs >= 0) debounceMs = opts.debounceMs;
    clientFolders =
      params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    docs.setFolders(
      clientFolders.flatMap((f) => {
        const p = uriToPath(f.uri);
        return p ? [{ uri: f.uri, path: p }] : [];
      }),
    );
    return {
      capabilities: serverCapabilities(params.capabilities),
      serverInfo: { name: 'atmos-deployments' },
    };
  });

  connection.onInitialized(async () => {
    try {
      if (features.configuration)
        void connection.client.register(DidChangeConfigurationNotification.type, {
          section: SETTINGS_SECTION,
        });
      if (features.dynamicWatchedFiles)
        void connection.client.register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/*.{yaml,yml}' },
            { globPattern: '**/deployments', kind: WatchKind.Delete },
          ],
        });
      if (features.workspaceFolders)
        connection.workspace.onDidChangeWorkspaceFolders(async (e) => {
          const removed = new Set(e.removed.map((f) => f.uri));
          clientFolders = [...clientFolders.filter((f) => !removed.has(f.uri)), ...e.added];
          docs.setFolders(
            clientFolders.flatMap((f) => {
              const p = uriToPath(f.uri);
              return p ? [{ uri: f.uri, path: p }] : [];
            }),
          );
          await loadSettings();
          connectGit();
          await reindexLogged();
        });
      await loadSettings();
      markConfigured();
      connectGit();
    } catch (err) {
      logError(`Starting failed: ${(err as Error)?.stack ?? String(err)}`);
    } finally {
      markConfigured();
      markReady();
    }
    await reindexLogged();
  });

  connection.onDidChangeConfiguration(async (change) => {
    try {
      const pushed = (change.settings as Record<string, unknown> | null)?.[SETTINGS_SECTION];
      if (pushed !== undefined) pushedSettings = pushed;
      if (await loadSettings()) void reindexLogged();
      live.invalidate();
    } catch (err) {
      logError(`Applying settings failed: ${String(err)}`);
    }
  });

  connection.onDidChangeWatchedFiles((change) => {
    for (const c of change.changes) {
      try {
        diskChanged(c.uri, c.type === FileChangeType.Deleted);
      } catch (err) {
        logError(`Handling a change of ${c.uri} failed: ${String(err)}`);
      }
    }
  });

  documents.onDidOpen((e) => {
    docs.didOpen(e.document.uri);
    void configured.then(() => {
      if (docs.isOpen(e.document.uri)) validateNow(e.document.uri);
    });
  });
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    const key = docs.didClose(e.document.uri);
    const t = timers.get(key);
    if (t) clearTimeout(t);
    timers.delete(key);
    validatedVersion.delete(key);
    lastEditRun.delete(key);
    // The buffer is gone: the file on disk (if any) is what counts now.
    revalidate(key, docs.refresh(key));
    publish(key);
  });

  // ---- requests ----------------------------------------------------------------------------

  registerDocumentRequests({
    connection,
    isOpen: (uri) => docs.isOpen(uri),
    ctx,
    logError,
    ready,
  });

  connection.onNotification(WorkspaceTrustedNotification, () => {
    trusted = true;
  });
  registerCustomRequests({
    connection,
    logError,
    ctx,
    flushPending,
    gate,
    refsChanged,
    whenIndexed: () => walk.whenIndexed(),
  });
  const defaultSettings = () => docs.settingsFor(docs.getFolders()[0]?.uri ?? '');
  const stopPoll = startRequestPoll({
    intervalSeconds: () => defaultSettings().requestPollInterval,
    enabled: () => trusted && !!defaultSettings().remote,
    poll: async () => JSON.stringify(await gate.requests({ fetch: true })),
    changed: refsChanged,
    log,
  });

  connection.onShutdown(() => {
    stopPoll();
    for (const t of timers.values()) clearTimeout(t);
    for (const d of disposers.splice(0)) d();
    walk.stop();
  });

  documents.listen(connection);
  connection.listen();
}
