/**
 * Starting one git process through simple-git: the environment, the stdin plugin, the exit code,
 * the process count and cancellation. The store (simple-git-store.ts) decides what to run.
 *
 * simple-git has no public way to write to a command's standard input, which `update-ref
 * --stdin`, `cat-file --batch` and `hash-object --stdin-paths` need. It does run every spawned
 * process through its plugin store, so each call here uses a fresh instance with one extra
 * `spawn.after` plugin that writes the input, closes stdin and records the exit code. The
 * plugin store is reached through the instance's `_plugins` field of the pinned simple-git
 * 3.36.0; `pluginStore` checks it is there and fails loudly if a future version moves it.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { simpleGit, type SimpleGit } from 'simple-git';
import { GitStoreError } from './store';
import { testPause } from './test-pause';

export interface RunResult {
  stdout: string;
  /** The same output as bytes, for formats that count bytes (`cat-file --batch`). */
  stdoutBytes: Buffer;
  stderr: string;
  code: number;
}

interface SpawnAfterContext {
  spawned: ChildProcess;
}

/** One process of a `pipeline` and what is known about it so far. */
interface Streaming {
  child: ChildProcess;
  stderr: Buffer[];
  code?: number;
  error?: Error;
  /** Settles once the process has exited and its output is closed (or it failed to start). */
  closed: Promise<void>;
}

interface PluginStoreLike {
  append(type: 'spawn.after', action: (data: unknown, context: SpawnAfterContext) => void): void;
  append(type: 'spawn.options', action: (options: SpawnOptions) => SpawnOptions): void;
}

const DROPPED_ENV = new Set([
  'EDITOR',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'PAGER',
  'GIT_PAGER',
  'GIT_EXTERNAL_DIFF',
]);

/**
 * simple-git refuses these variables unless told otherwise. They come from the user's own
 * environment (an ssh key for CI, an isolated config for tests), never from the repository,
 * and fetch and push need them to reach a remote, so they are allowed.
 */
const ALLOWED_FROM_ENVIRONMENT = {
  allowUnsafeSshCommand: true,
  allowUnsafeAskPass: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
} as const;

/** git commands that write; a cancelled request lets a running one finish (see `cancellable`). */
const WRITES = new Set(['fetch', 'update-ref', 'notes', 'hash-object', 'push', 'commit-tree']);

/** A git process and the error its failure means: what the adapter's helper modules need. */
export interface GitProcesses {
  run(args: string[], input?: string): Promise<RunResult>;
  failure(args: string[], r: RunResult): GitStoreError;
}

export class GitRunner {
  private processes = 0;
  private readonly env: Record<string, string>;

  constructor(
    readonly cwd: string,
    private readonly signal?: AbortSignal,
  ) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      // Editors, pagers and external diff programs play no part in the commands run here, and
      // simple-git refuses to start git while they are set, so they are left out.
      if (v !== undefined && !DROPPED_ENV.has(k.toUpperCase())) env[k] = v;
    }
    // Messages are parsed in English and nothing may prompt for credentials in a pipeline.
    Object.assign(env, { LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0' });
    this.env = env;
  }

  get processCount(): number {
    return this.processes;
  }

  private cancelled(args: string[]): GitStoreError {
    return new GitStoreError('cancelled', `Cancelled before git ${args[0] ?? ''} finished.`);
  }

  /** Runs one git command; never throws for a non-zero exit, the caller decides. */
  async run(args: string[], input?: string): Promise<RunResult> {
    const signal = this.signal;
    // Tests hold a cancellable request here to cancel it between two git processes (test only).
    if (signal) await testPause('cancellable-git');
    if (signal?.aborted) throw this.cancelled(args);
    const killable = !!signal && !WRITES.has(args[0]);
    let killed = false;
    let code: number | undefined;
    let spawnError: Error | undefined;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const git = this.instance();
    pluginStore(git).append('spawn.after', (_data, { spawned }) => {
      spawned.stdout?.on('data', (c: Buffer) => out.push(c));
      spawned.stderr?.on('data', (c: Buffer) => err.push(c));
      spawned.on('exit', (c) => (code = c ?? -1));
      spawned.on('error', (e) => (spawnError = e));
      // A command that reads no input must still see end-of-file, never a stdin left open.
      spawned.stdin?.on('error', () => undefined);
      spawned.stdin?.end(input ?? '');
      if (killable) {
        // A cancelled read is stopped at once; its output is thrown away below.
        const kill = () => {
          killed = true;
          spawned.kill('SIGKILL');
        };
        signal!.addEventListener('abort', kill, { once: true });
        spawned.on('exit', () => signal!.removeEventListener('abort', kill));
      }
    });
    this.processes++;
    try {
      await git.raw(args);
    } catch (e) {
      spawnError ??= e instanceof Error ? e : new Error(String(e));
    }
    if (killed || (killable && signal!.aborted)) throw this.cancelled(args);
    if (spawnError || code === undefined)
      throw new GitStoreError(
        'git',
        `Cannot run git: ${spawnError?.message ?? 'it did not start'}`,
        spawnError?.message,
      );
    // Ref listings of a large repository run to megabytes: the bytes are joined once, and
    // decoded only by callers that read text (cat-file counts bytes and never needs the text).
    const stdoutBytes = Buffer.concat(out);
    let text: string | undefined;
    return {
      get stdout() {
        return (text ??= stdoutBytes.toString('utf8'));
      },
      stdoutBytes,
      stderr: Buffer.concat(err).toString('utf8'),
      code,
    };
  }

  /**
   * Runs git commands as a shell pipeline (`a | b | …`: each one's output is the next one's
   * input) and hands the last one's standard output over chunk by chunk, as git writes it, with
   * backpressure: git waits while the caller is busy. simple-git keeps every chunk of a
   * command's output until it exits, which for a listing of a hundred thousand records is the
   * whole listing in memory; here its listener is taken off each output the moment the process
   * starts, so memory stays flat however long the output is. A caller that stops early (`break`)
   * ends every process; a non-zero exit is thrown only when the output was read to the end, with
   * git's message.
   */
  async *pipeline(commands: string[][]): AsyncGenerator<Buffer, void, undefined> {
    const signal = this.signal;
    if (signal) await testPause('cancellable-git');
    if (signal?.aborted) throw this.cancelled(commands[0]);
    const started: Streaming[] = [];
    const killAll = (how: NodeJS.Signals) => {
      for (const p of started) {
        p.child.stdout?.destroy();
        p.child.kill(how);
      }
    };
    let killed = false;
    const cancel = () => {
      killed = true;
      killAll('SIGKILL');
    };
    const killable = !!signal && commands.every((args) => !WRITES.has(args[0]));
    if (killable) signal.addEventListener('abort', cancel, { once: true });
    let finished = false;
    try {
      for (const args of commands) {
        const before = started[started.length - 1]?.child.stdout ?? undefined;
        started.push(await this.startStreaming(args, before));
        // The next process holds the pipe now; this process's copy would only keep it open.
        before?.destroy();
      }
      const last = started[started.length - 1].child.stdout!;
      for await (const chunk of last as AsyncIterable<Buffer>) yield chunk;
      finished = true;
    } finally {
      signal?.removeEventListener('abort', cancel);
      // A caller that stopped early no longer wants the rest: git is ended, not waited for.
      if (!finished) killAll('SIGTERM');
      await Promise.all(started.map((p) => p.closed));
    }
    if (killed || (killable && signal.aborted)) throw this.cancelled(commands[0]);
    for (const [i, p] of started.entries()) {
      if (p.error || p.code === undefined)
        throw new GitStoreError(
          'git',
          `Cannot run git: ${p.error?.message ?? 'it did not start'}`,
          p.error?.message,
        );
      if (p.code !== 0)
        throw this.failure(commands[i], {
          stdout: '',
          stdoutBytes: Buffer.alloc(0),
          stderr: Buffer.concat(p.stderr).toString('utf8'),
          code: p.code,
        });
    }
  }

  /**
   * Starts one git process for `pipeline`, its output not yet read. `input` (the previous
   * process's output) becomes its standard input directly, as a shell connects a pipe, so the
   * bytes between two git processes never pass through node.
   */
  private async startStreaming(args: string[], input: Readable | undefined): Promise<Streaming> {
    let closed!: () => void;
    const p: Streaming = {
      child: undefined as unknown as ChildProcess,
      stderr: [],
      closed: new Promise<void>((resolve) => (closed = resolve)),
    };
    let started!: (child: ChildProcess | undefined) => void;
    const onStart = new Promise<ChildProcess | undefined>((resolve) => (started = resolve));
    const git = this.instance();
    if (input)
      pluginStore(git).append('spawn.options', (options) => ({
        ...options,
        stdio: [input, 'pipe', 'pipe'],
      }));
    pluginStore(git).append('spawn.after', (_data, { spawned }) => {
      // simple-git's own listeners collect the output and time its exit; the output is read by
      // the pipeline instead, and the exit is taken from the process itself.
      spawned.stdout?.removeAllListeners('data');
      spawned.stdout?.pause();
      spawned.stderr?.on('data', (c: Buffer) => p.stderr.push(c));
      spawned.on('exit', (c) => (p.code = c ?? -1));
      spawned.on('error', (e) => {
        p.error = e;
        closed();
      });
      spawned.on('close', () => closed());
      spawned.stdin?.on('error', () => undefined);
      spawned.stdin?.end('');
      started(spawned);
    });
    this.processes++;
    // The promise simple-git returns settles after the process closes; the close event above is
    // what the pipeline waits for, so it is only kept from being reported as unhandled.
    git.raw(args).then(
      () => started(undefined),
      (e: unknown) => {
        p.error ??= e instanceof Error ? e : new Error(String(e));
        started(undefined);
        closed();
      },
    );
    const child = await onStart;
    if (!child?.stdout)
      throw new GitStoreError(
        'git',
        `Cannot run git: ${p.error?.message ?? 'it did not start'}`,
        p.error?.message,
      );
    p.child = child;
    return p;
  }

  private instance(): SimpleGit {
    const git: SimpleGit = simpleGit({
      baseDir: this.cwd,
      maxConcurrentProcesses: 1,
      trimmed: false,
      // Returning nothing tells simple-git that no exit is an error: the exit code recorded by
      // the plugin is what counts.
      errors: () => undefined,
      unsafe: ALLOWED_FROM_ENVIRONMENT,
    });
    git.env(this.env);
    return git;
  }

  async ok(args: string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw this.failure(args, r);
    return r.stdout;
  }

  failure(args: string[], r: RunResult): GitStoreError {
    const text = r.stderr.trim();
    if (/not a git repository/i.test(text))
      return new GitStoreError(
        'not-a-repo',
        `${this.cwd} is not inside a git repository. Deployment records live in git: run \`git init\` (and commit) first, or pass --cwd.`,
        text,
      );
    return new GitStoreError('git', `git ${args[0]} failed: ${firstLines(text)}`, text);
  }
}

function pluginStore(git: SimpleGit): PluginStoreLike {
  const store = (git as unknown as { _plugins?: PluginStoreLike })._plugins;
  if (!store || typeof store.append !== 'function')
    throw new GitStoreError(
      'git',
      'This simple-git version does not expose its plugin store; atmos-deployments needs simple-git 3.36.0.',
    );
  return store;
}

export function firstLines(text: string): string {
  return text
    .trim()
    .split('\n')
    .slice(0, 3)
    .join(' ')
    .replace(/^(fatal|error): /, '');
}
