/**
 * Real git only: temporary repositories (mkdtemp), bare remotes, the built CLI as a child
 * process. HOME points at an empty temporary folder and the identity comes from the GIT_*
 * variables, so no user or system git configuration leaks into a test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export const PAYMENT_SERVICE = `deployment:
  name: payment-service
  components:
    terraform:
      api: {}
      worker: {}
      database: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
`;

export const INVENTORY = `deployment:
  name: inventory-service
  components:
    terraform:
      api: {}
  targets:
    dev: {}
    prod:
      promotion:
        from: dev
`;

/** The environment every git and CLI process of a test runs with. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GIT_') && !k.startsWith('ATMOS_')) env[k] = v;
  }
  const home = mkdtempSync(path.join(tmpdir(), 'atmos-home-'));
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'CI',
    GIT_AUTHOR_EMAIL: 'ci@example.com',
    GIT_COMMITTER_NAME: 'CI',
    GIT_COMMITTER_EMAIL: 'ci@example.com',
    ...extra,
  };
}

export const ENV = testEnv();

export function git(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = ENV,
  input?: string,
): string {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function gitStatus(cwd: string, args: string[]): number | null {
  return spawnSync('git', args, { cwd, env: ENV, encoding: 'utf8' }).status;
}

/** A repository with one commit holding the given deployment files. */
export function makeRepo(
  files: Record<string, string> = { 'payment-service.yaml': PAYMENT_SERVICE },
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  mkdirSync(path.join(dir, 'deployments'));
  for (const [name, text] of Object.entries(files))
    writeFileSync(path.join(dir, 'deployments', name), text);
  git(dir, ['add', '.']);
  git(dir, ['commit', '-q', '-m', 'init']);
  return dir;
}

/** Adds an empty commit and returns its SHA. */
export function commit(dir: string, message = 'change'): string {
  git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

export function head(dir: string): string {
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): CliResult {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node esbuild.mjs` first.');
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...ENV, ...extra },
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliResult>;
  /** Resolves once the process printed `ATMOS_TEST_PAUSED <step>`. */
  paused: Promise<void>;
}

/** Starts the CLI without waiting, for races and kills. */
export function cliStart(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...ENV, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onPause: () => void = () => undefined;
  const paused = new Promise<void>((resolve) => (onPause = resolve));
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.includes('ATMOS_TEST_PAUSED')) onPause();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err })),
  );
  return { child, stdout: () => out, stderr: () => err, done, paused };
}

/** Deployment ref name → SHA, as plain git reports it (pass `refs/atmos/` for the index too). */
export function atmosRefs(dir: string, prefix = 'refs/atmos/deployments/'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of git(dir, ['for-each-ref', '--format=%(refname) %(objectname)', prefix]).split(
    '\n',
  )) {
    const [ref, sha] = line.split(' ');
    if (ref) out[ref] = sha;
  }
  return out;
}

export function tags(dir: string, pattern = 'atmos/deployments/*'): string[] {
  return git(dir, ['tag', '-l', pattern]).split('\n').filter(Boolean);
}

export function fsckClean(dir: string): boolean {
  const r = spawnSync('git', ['fsck', '--strict', '--no-progress'], {
    cwd: dir,
    env: ENV,
    encoding: 'utf8',
  });
  return r.status === 0 && !/error|missing|broken/i.test(r.stdout + r.stderr);
}

/**
 * The status index of one target as plain git shows it: component → the SHA its entry names.
 * Empty when the target has no index.
 */
export function indexShas(dir: string, deployment: string, target: string): Record<string, string> {
  const ref = `refs/atmos/index/${deployment}/${target}`;
  const r = spawnSync('git', ['cat-file', 'tag', ref], { cwd: dir, env: ENV, encoding: 'utf8' });
  if (r.status !== 0) return {};
  const body = r.stdout.slice(r.stdout.indexOf('\n\n') + 2);
  const json = JSON.parse(body.slice(body.indexOf('\n') + 1)) as {
    components: Record<string, { sha: string }>;
  };
  return Object.fromEntries(Object.entries(json.components).map(([c, e]) => [c, e.sha]));
}

/** Asserts the index of a target names exactly the SHAs its deployment refs point at. */
export function indexAgrees(dir: string, deployment: string, target: string): boolean {
  const prefix = `refs/atmos/deployments/${deployment}/${target}/`;
  const refs = Object.fromEntries(
    Object.entries(atmosRefs(dir, prefix)).map(([ref, sha]) => [ref.slice(prefix.length), sha]),
  );
  const index = indexShas(dir, deployment, target);
  return (
    JSON.stringify(Object.entries(refs).sort()) === JSON.stringify(Object.entries(index).sort())
  );
}
