/**
 * A minimal LSP client over stdio, driving a server the way an editor does: initialize with
 * workspace folders, answer workspace/configuration, open, edit and close documents, and wait
 * for the diagnostics each change produces. Used for our server and yaml-language-server alike,
 * so both get exactly the same messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  ConfigurationParams,
  Diagnostic,
  InitializeResult,
  Position,
  PublishDiagnosticsParams,
  ServerCapabilities,
} from 'vscode-languageserver-protocol';
import { nowMs } from './stats';

export interface ServerSpec {
  /** Label used in tables. */
  label: string;
  /** Arguments to `node`. */
  args: string[];
  /** Answer for one workspace/configuration section. */
  settings(section: string | undefined): unknown;
  initializationOptions?: unknown;
}

interface Waiter {
  uri: string;
  resolve(d: PublishedDiagnostics): void;
}

export interface PublishedDiagnostics {
  uri: string;
  diagnostics: Diagnostic[];
  /** When it arrived, on the nowMs() clock. */
  at: number;
}

export class LspClient {
  capabilities: ServerCapabilities = {};
  /** Every publishDiagnostics received, by URI, latest last. */
  readonly published = new Map<string, PublishedDiagnostics[]>();
  private waiters: Waiter[] = [];
  private readonly versions = new Map<string, number>();
  private stderr = '';

  private constructor(
    readonly spec: ServerSpec,
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
  ) {}

  /** Spawns the server; resolves once the process is running (before initialize). */
  static spawn(spec: ServerSpec, cwd: string): LspClient {
    const proc = spawn(process.execPath, spec.args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(
      new StreamMessageReader(proc.stdout!),
      new StreamMessageWriter(proc.stdin!),
    );
    const client = new LspClient(spec, proc, conn);
    proc.stderr!.on('data', (b: Buffer) => {
      // Kept for error messages only; bounded so a chatty server cannot grow the bench.
      client.stderr = (client.stderr + b.toString()).slice(-4000);
    });
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const entry = { uri: p.uri, diagnostics: p.diagnostics, at: nowMs() };
      const list = client.published.get(p.uri) ?? [];
      list.push(entry);
      client.published.set(p.uri, list.slice(-4));
      const ready = client.waiters.filter((w) => w.uri === p.uri);
      client.waiters = client.waiters.filter((w) => w.uri !== p.uri);
      for (const w of ready) w.resolve(entry);
    });
    conn.onRequest('workspace/configuration', (p: ConfigurationParams) =>
      p.items.map((i) => spec.settings(i.section)),
    );
    // Capability registration, progress and anything else a server asks: accept quietly.
    conn.onRequest(() => null);
    conn.onNotification(() => undefined);
    conn.onError(() => undefined);
    conn.listen();
    return client;
  }

  /** `workDoneProgress`: say the client shows work-done progress (window/workDoneProgress). */
  async initialize(
    rootDir: string,
    opts: { workDoneProgress?: boolean } = {},
  ): Promise<InitializeResult> {
    const rootUri = pathToFileURL(rootDir).href;
    const result = (await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      initializationOptions: this.spec.initializationOptions,
      capabilities: {
        workspace: {
          configuration: true,
          workspaceFolders: true,
          didChangeConfiguration: { dynamicRegistration: true },
        },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: true },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          // What VS Code's language client declares (vscode-languageclient's completion.js),
          // so both servers answer completion as they would in VS Code.
          completion: {
            completionItem: {
              snippetSupport: true,
              labelDetailsSupport: true,
              resolveSupport: { properties: ['documentation', 'detail', 'additionalTextEdits'] },
            },
            completionList: {
              itemDefaults: [
                'commitCharacters',
                'editRange',
                'insertTextFormat',
                'insertTextMode',
                'data',
              ],
            },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
        ...(opts.workDoneProgress ? { window: { workDoneProgress: true } } : {}),
      },
    })) as InitializeResult;
    this.capabilities = result.capabilities;
    await this.conn.sendNotification('initialized', {});
    await this.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    return result;
  }

  /** The next publishDiagnostics for `uri`; register before sending what triggers it. */
  nextDiagnostics(uri: string, timeoutMs: number): Promise<PublishedDiagnostics | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      };
      this.waiters.push(waiter);
    });
  }

  nextVersion(uri: string): number {
    const v = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, v);
    return v;
  }

  async open(uri: string, text: string): Promise<number> {
    const version = this.nextVersion(uri);
    await this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version, text },
    });
    return version;
  }

  /** One incremental edit: replaces the range with `text`, as an editor sends a keystroke. */
  async change(uri: string, start: Position, end: Position, text: string): Promise<number> {
    const version = this.nextVersion(uri);
    await this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start, end }, text }],
    });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /**
   * Waits until the server has handled everything sent so far: requests are answered in order
   * after the notifications before them, so anything those published has arrived.
   */
  async barrier(uri: string): Promise<void> {
    try {
      await this.conn.sendRequest('textDocument/documentHighlight', {
        textDocument: { uri },
        position: { line: 0, character: 0 },
      });
    } catch {
      // A server without the method answers with an error, which is just as good a barrier.
    }
  }

  completion(uri: string, position: Position): Promise<unknown> {
    return this.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position });
  }

  hover(uri: string, position: Position): Promise<unknown> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  /** Peak resident set of the server process so far, in bytes (Linux /proc). */
  peakRss(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  lastStderr(): string {
    return this.stderr;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((r) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) r();
      else this.proc.once('exit', () => r());
    });
    try {
      await Promise.race([
        this.conn.sendRequest('shutdown'),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
      await this.conn.sendNotification('exit');
    } catch {
      // The server may already be gone; killing it below is enough.
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    this.conn.dispose();
  }
}
