/**
 * Drives the real built server (`node dist/server.js --stdio`) over JSON-RPC, as an editor
 * would: a temp workspace folder, open/change/close, and waits for publishDiagnostics with a
 * deadline (never fixed sleeps). `cursor()` reads a `|` marker out of inline YAML.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  ClientCapabilities,
  Diagnostic,
  Position,
  PublishDiagnosticsParams,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { SERVER_EXEC_ARGV } from '../../server/src/lsp/memory';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SERVER = path.join(REPO_ROOT, 'dist', 'server.js');

export const FULL_CAPABILITIES: ClientCapabilities = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeWatchedFiles: { dynamicRegistration: true },
    didChangeConfiguration: { dynamicRegistration: true },
    codeLens: { refreshSupport: true },
  },
  textDocument: {
    hover: { contentFormat: ['markdown', 'plaintext'] },
    publishDiagnostics: { relatedInformation: true },
    rename: { prepareSupport: true },
  },
};

/** A client that applies annotated workspace edits, as VS Code does (it asks about them). */
export const ANNOTATING_CAPABILITIES: ClientCapabilities = {
  ...FULL_CAPABILITIES,
  workspace: {
    ...FULL_CAPABILITIES.workspace,
    workspaceEdit: { documentChanges: true, changeAnnotationSupport: {} },
  },
};

export interface StartOptions {
  /** Files to write into the workspace before the server starts, by relative path. */
  files?: Record<string, string>;
  /** What the client answers to workspace/configuration for `atmosDeployments`. */
  settings?: Record<string, unknown>;
  capabilities?: ClientCapabilities;
  initializationOptions?: Record<string, unknown>;
  /** Start without workspace folders. */
  noFolders?: boolean;
  /** Sub-folders of the temp folder to use as workspace folders (multi-root), instead of it. */
  folders?: string[];
  /** Runs on the written files before the server starts (to make a git repository, say). */
  prepare?: (root: string) => void;
}

interface Publish {
  seq: number;
  uri: string;
  diagnostics: Diagnostic[];
  at: number;
  /** The document version the diagnostics are for, when the server says. */
  version?: number;
}

/** One `$/progress` notification, numbered in the same sequence as the publishes. */
export interface ProgressEvent {
  seq: number;
  token: string | number;
  value: {
    kind: 'begin' | 'report' | 'end';
    title?: string;
    message?: string;
    percentage?: number;
  };
}

export class Harness {
  readonly publishes: Publish[] = [];
  /** Work-done progress the server reported (clients advertising window.workDoneProgress). */
  readonly progress: ProgressEvent[] = [];
  readonly logs: string[] = [];
  readonly registrations: Array<{ method: string; registerOptions?: unknown }> = [];
  codeLensRefreshes = 0;
  settings: Record<string, unknown>;
  private seq = 0;
  private waiters: Array<() => void> = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  stderr = '';
  exited: number | null = null;

  private constructor(
    readonly root: string,
    readonly conn: MessageConnection,
    readonly child: ChildProcess,
    settings: Record<string, unknown>,
  ) {
    this.settings = settings;
  }

  static async start(o: StartOptions = {}): Promise<Harness> {
    return Harness.startIn(
      fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-lsp-'))),
      o,
    );
  }

  /** Starts a server on an existing folder (kept until stop() removes it). */
  static async startIn(root: string, o: StartOptions = {}): Promise<Harness> {
    for (const [rel, text] of Object.entries(o.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    o.prepare?.(root);
    // Started with the node options the extension gives it, so the tests run what users run.
    const child = spawn(process.execPath, [...SERVER_EXEC_ARGV, SERVER, '--stdio'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const conn = createMessageConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    const h = new Harness(root, conn, child, o.settings ?? {});
    child.stderr!.on('data', (d) => (h.stderr += String(d)));
    child.on('exit', (code) => {
      h.exited = code ?? -1;
      h.wake();
    });
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      h.publishes.push({
        seq: ++h.seq,
        uri: p.uri,
        diagnostics: p.diagnostics,
        at: Date.now(),
        version: p.version,
      });
      h.wake();
    });
    conn.onNotification('window/logMessage', (p: { message: string }) => {
      h.logs.push(p.message);
      h.wake();
    });
    conn.onNotification('$/progress', (p: Omit<ProgressEvent, 'seq'>) => {
      h.progress.push({ seq: ++h.seq, token: p.token, value: p.value });
      h.wake();
    });
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onNotification(() => undefined);
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) =>
      p.items.map(() => h.settings),
    );
    conn.onRequest(
      'client/registerCapability',
      (p: { registrations: Harness['registrations'] }) => {
        h.registrations.push(...p.registrations);
        h.wake();
        return null;
      },
    );
    conn.onRequest('workspace/codeLens/refresh', () => {
      h.codeLensRefreshes++;
      h.wake();
      return null;
    });
    conn.listen();
    const uri = pathToFileURL(root).href;
    const folders = (o.folders ?? ['.']).map((f) => ({
      uri: pathToFileURL(path.join(root, f)).href,
      name: f,
    }));
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: o.noFolders ? null : uri,
      workspaceFolders: o.noFolders ? null : folders,
      capabilities: o.capabilities ?? FULL_CAPABILITIES,
      initializationOptions: o.initializationOptions,
    });
    await conn.sendNotification('initialized', {});
    return h;
  }

  uri(rel: string): string {
    return pathToFileURL(path.join(this.root, rel)).href;
  }

  /** Writes a file on disk (not opened). */
  write(rel: string, text: string): string {
    fs.mkdirSync(path.dirname(path.join(this.root, rel)), { recursive: true });
    fs.writeFileSync(path.join(this.root, rel), text);
    return this.uri(rel);
  }

  get lastSeq(): number {
    return this.seq;
  }

  async open(rel: string, text: string, opts: { onDisk?: boolean } = {}): Promise<string> {
    const uri = opts.onDisk === false ? this.uri(rel) : this.write(rel, text);
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
    return uri;
  }

  /** Replaces the whole text of an open document. */
  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, text);
    await this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  text(uri: string): string | undefined {
    return this.texts.get(uri);
  }

  async watched(changes: Array<{ uri: string; type: 1 | 2 | 3 }>): Promise<void> {
    await this.conn.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  request<R = unknown>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  /** Waits, up to a deadline, for a condition checked on every message from the server. */
  async until<T>(check: () => T | undefined, what: string, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      if (this.exited !== null)
        throw new Error(`server exited (${this.exited}) waiting for ${what}\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** The first publish for `uri` with exactly this document version. */
  diagnosticsFor(uri: string, version: number, timeoutMs = 10000): Promise<Diagnostic[]> {
    return this.until(
      () => this.publishes.find((p) => p.uri === uri && p.version === version)?.diagnostics,
      `diagnostics for ${uri} version ${version}`,
      timeoutMs,
    );
  }

  /** The first publish for `uri` after `afterSeq` whose diagnostics satisfy `pred`. */
  diagnostics(
    uri: string,
    pred: (d: Diagnostic[]) => boolean = () => true,
    afterSeq = 0,
    timeoutMs = 10000,
  ): Promise<Diagnostic[]> {
    return this.until(
      () =>
        this.publishes.find((p) => p.seq > afterSeq && p.uri === uri && pred(p.diagnostics))
          ?.diagnostics,
      `diagnostics for ${uri}`,
      timeoutMs,
    ).then((d) => d);
  }

  /** The latest diagnostics published for `uri`, or undefined if none yet. */
  latest(uri: string): Diagnostic[] | undefined {
    for (let i = this.publishes.length - 1; i >= 0; i--)
      if (this.publishes[i].uri === uri) return this.publishes[i].diagnostics;
    return undefined;
  }

  /** Stops the server and removes the workspace folder, unless `keep` is set. */
  async stop(keep = false): Promise<void> {
    try {
      if (this.exited === null) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.conn.sendRequest('shutdown'),
          new Promise((r) => (timer = setTimeout(r, 2000))),
        ]);
        clearTimeout(timer);
        await this.conn.sendNotification('exit');
      }
    } catch {
      // The server may already be gone; the kill below makes sure.
    }
    this.conn.dispose();
    this.child.kill();
    if (!keep) fs.rmSync(this.root, { recursive: true, force: true });
  }

  private wake(): void {
    const w = this.waiters.splice(0);
    for (const f of w) f();
  }
}

/** Splits inline YAML with one `|` cursor marker into the text and the cursor's position. */
export function cursor(marked: string): { text: string; position: Position; offset: number } {
  const offset = marked.indexOf('|');
  if (offset < 0 || marked.indexOf('|', offset + 1) >= 0)
    throw new Error('the text needs exactly one | cursor marker');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset).split('\n');
  return {
    text,
    offset,
    position: { line: before.length - 1, character: before[before.length - 1].length },
  };
}

/** Applies LSP text edits to a text (edits must not overlap). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offsetOf = (p: Position) => {
    let o = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) o += lines[i].length + 1;
    return o + p.character;
  };
  const sorted = [...edits].sort((a, b) => offsetOf(b.range.start) - offsetOf(a.range.start));
  let out = text;
  for (const e of sorted)
    out = out.slice(0, offsetOf(e.range.start)) + e.newText + out.slice(offsetOf(e.range.end));
  return out;
}

export function editsFor(edit: WorkspaceEdit | null | undefined, uri: string): TextEdit[] {
  return edit?.changes?.[uri] ?? [];
}

export const PAYMENT = `deployment:
  name: payment-service
  components:
    nixpack:
      api: {}
    terraform:
      db: {}
  targets:
    dev:
      labels:
        environment: dev
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
`;

/** git in a test workspace, for setting it up and reading the records a request left. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

/**
 * A server started in a git repository whose one commit holds `files`, once its rollout
 * service answers: git opens after initialization, so a plan for `deployment`/`target` is
 * retried until it is answered (a refusal by the trust gate counts as an answer too).
 */
export async function startInGitRepo(
  files: Record<string, string>,
  ready: { deployment: string; target: string },
  o: StartOptions = {},
): Promise<Harness> {
  const setup = await Harness.start({ files });
  const root = setup.root;
  gitIn(root, 'init', '-q', '-b', 'main');
  gitIn(root, 'config', 'user.email', 'dev@example.com');
  gitIn(root, 'config', 'user.name', 'Dev');
  gitIn(root, 'add', '.');
  gitIn(root, 'commit', '-q', '-m', 'init');
  await setup.stop(true);
  const h = await Harness.startIn(root, o);
  for (const [rel, text] of Object.entries(files)) await h.open(rel, text);
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await h.request('atmosDeployments/planRollout', ready);
      return h;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setImmediate(r));
    }
  }
}
