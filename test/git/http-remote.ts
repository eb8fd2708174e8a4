/**
 * A real git server for tests: a bare repository served over git's smart HTTP protocol by
 * `git http-backend` behind a small node `http` server on 127.0.0.1 and an ephemeral port
 * (test/git/http-remote-server.ts, run as a child process). Clones talk to it as they talk to
 * a hosted remote, so pushes go through receive-pack, its hooks and its `remote:` side band,
 * which is where a server says why it refuses a push.
 *
 *     const remote = await startHttpRemote({ source: makeRepo() });
 *     t.after(() => remote.stop());
 *     remote.protectRefs('refs/tags/atmos/deployments/', 'remote policy: ...');
 *     git(clone, ['clone', '-q', remote.url, '.']);
 *
 * The server process leads its own process group, and every git process serving a request
 * (http-backend, receive-pack, upload-pack, hooks) belongs to it. `stop()` signals the group and
 * waits until no process of it is left; if the test process exits first (a failed assertion
 * that skipped `stop()`), an exit hook kills the group, and the server also stops by itself when
 * its standard input, a pipe from the test process, closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, git, testEnv } from './helpers';

export interface HttpRemote {
  /** The clone URL, `http://127.0.0.1:<port>/<name>.git`. */
  readonly url: string;
  /** The served bare repository on disk, for checking its refs with plain git. */
  readonly bare: string;
  readonly port: number;
  /** The server's process id, which is also its process group's id. */
  readonly pid: number;
  /** What the server and the git processes it ran wrote to stderr so far. */
  log(): string;
  /** Installs `hooks/pre-receive` in the served repository (a `#!/bin/sh` script by default). */
  installPreReceive(script: string): void;
  /**
   * Installs a pre-receive hook that refuses any push touching a ref under `prefix`
   * (for example `refs/tags/atmos/deployments/`), printing `reason` to the pusher.
   */
  protectRefs(prefix: string, reason: string): void;
  /**
   * Makes receive-pack itself refuse updates under `prefix` (`receive.hideRefs`), the way a
   * server protects a ref namespace without a hook. The refs are hidden from fetches too.
   */
  protectNamespace(prefix: string): void;
  /** `git for-each-ref` of the served repository: every ref and its object, one a line. */
  refs(): string;
  /** Stops the server and every process it started, and removes the served folder. */
  stop(): Promise<void>;
}

export interface HttpRemoteOptions {
  /** The repository the served one starts as (a bare clone of it). */
  source: string;
  /** The repository's name in the URL, without `.git`. Default `origin`. */
  name?: string;
}

interface Unrefable {
  unref(): void;
}

const SERVER = path.join(__dirname, 'http-remote-server.ts');

/** Servers not stopped yet, for the exit hook. */
const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** True while any process of the group is alive (signal 0 only checks). */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startHttpRemote(options: HttpRemoteOptions): Promise<HttpRemote> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Exit handlers must be synchronous: a signal to each group is all that can be sent here.
    process.on('exit', () => {
      for (const pid of live) killGroup(pid, 'SIGKILL');
    });
  }
  const name = options.name ?? 'origin';
  const root = mkdtempSync(path.join(tmpdir(), 'atmos-http-'));
  const bare = path.join(root, `${name}.git`);
  const env = testEnv();
  git(root, ['clone', '-q', '--bare', options.source, bare], env);
  // Anonymous pushes over HTTP are refused unless receive-pack is switched on explicitly.
  git(bare, ['config', 'http.receivepack', 'true'], env);

  // The server's stderr goes to a file, not a pipe: tests run git and the CLI with spawnSync,
  // which holds this process's event loop, so a pipe would be read only after the assertions.
  const logFile = path.join(root, 'server.log');
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SERVER, root], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', logFd],
    detached: true,
  });
  closeSync(logFd);
  const pid = child.pid!;
  live.add(pid);
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^listening (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`the git HTTP server did not start: ${log()}`)));
  });
  // A server a failed test never stopped must not keep the test process alive (its exit hook,
  // which kills the group, would never run), so neither the process nor its pipes hold it.
  child.unref();
  for (const stream of [child.stdin, child.stdout]) (stream as unknown as Unrefable).unref();

  function installPreReceive(script: string): void {
    const hook = path.join(bare, 'hooks', 'pre-receive');
    writeFileSync(hook, script.startsWith('#!') ? script : `#!/bin/sh\n${script}`);
    chmodSync(hook, 0o755);
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/${name}.git`,
    bare,
    port,
    pid,
    log,
    installPreReceive,
    protectRefs(prefix: string, reason: string) {
      installPreReceive(
        [
          '#!/bin/sh',
          // receive-pack gives one `<old> <new> <ref>` line per pushed ref on stdin.
          'status=0',
          'while read old new ref; do',
          `  case "$ref" in ${shellQuote(prefix)}*) status=1 ;; esac`,
          'done',
          `if [ $status -ne 0 ]; then echo ${shellQuote(reason)} >&2; fi`,
          'exit $status',
          '',
        ].join('\n'),
      );
    },
    protectNamespace(prefix: string) {
      git(bare, ['config', '--add', 'receive.hideRefs', prefix], env);
    },
    refs() {
      return git(bare, ['for-each-ref', '--format=%(refname) %(objectname)'], env);
    },
    stop() {
      stopped ??= (async () => {
        killGroup(pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        // Whatever ignored SIGTERM, or was started by a CGI that was still running, goes now;
        // the test waits until the group is empty so no process outlives it.
        for (let i = 0; groupAlive(pid) && i < 100; i++) {
          killGroup(pid, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 20));
        }
        live.delete(pid);
        if (groupAlive(pid)) throw new Error(`processes of group ${pid} survived SIGKILL`);
        rmSync(root, { recursive: true, force: true });
        rmSync(env.HOME!, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Quotes a test constant for /bin/sh, so a reason with spaces or quotes stays one word. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
