/**
 * Case 3b: `verify` over the same large trail as promotion-status (10,000 refs, 50,000 tags in
 * a full run), beside one `git for-each-ref` of the same refs in the same run, and
 * `verify --pre-receive` judging a push of one rollout of 100 components on that repository.
 * Git processes are counted from GIT_TRACE2_EVENT in a separate, untimed run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GIT } from '../config';
import { git } from '../git-repo';
import { NOT_IN_BUILD, unavailable, type Metric } from '../metric';
import { ROOT } from '../servers';
import { measure, nowMs } from '../stats';
import type { Log } from './lsp';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const ROOTS = ['refs/atmos/', 'refs/tags/atmos/deployments/', 'refs/notes/atmos/'];

export interface VerifyBench {
  refs: number;
  tags: number;
  ours: Metric;
  /** One `git for-each-ref` of the refs verify reads, in the same run. */
  baseline: Metric;
  oursProcesses?: number;
  findings?: number;
  preReceive: Metric;
  preReceiveProcesses?: number;
  preReceiveComponents: number;
  preReceiveLines?: number;
  notes: string[];
}

/** Runs a command that may exit 0 or 1 (verify exits 1 on findings); anything else throws. */
function run(
  args: string[],
  cwd: string,
  { env, input }: { env?: NodeJS.ProcessEnv; input?: string } = {},
): { ms: number; stdout: string; code: number | null } {
  const t0 = nowMs();
  const r = spawnSync(args[0], args.slice(1), {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    input,
    env: { ...process.env, ...env },
  });
  const ms = nowMs() - t0;
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`bench: ${args.slice(0, 3).join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout, code: r.status };
}

let seq = 0;
function countProcesses(fn: (env: NodeJS.ProcessEnv) => void): number {
  const file = path.join(tmpdir(), `atmos-bench-verify-${process.pid}-${++seq}.json`);
  rmSync(file, { force: true });
  fn({ GIT_TRACE2_EVENT: file });
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"start"')).length;
  } finally {
    rmSync(file, { force: true });
  }
}

function refValues(repo: string, prefixes: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const text = git(repo, ['for-each-ref', '--format=%(objectname) %(refname)', ...prefixes]).stdout;
  for (const line of text.split('\n')) {
    const [sha, ref] = line.split(' ');
    if (ref) out.set(ref, sha);
  }
  return out;
}

export async function verifyCase(
  log: Log,
  available: boolean,
  makeRepo: (refs: number, tags: number) => { repo: string; name: string },
): Promise<VerifyBench> {
  const components = Math.min(100, GIT.rolloutComponents);
  const result: VerifyBench = {
    refs: GIT.deploymentRefs,
    tags: GIT.tags,
    ours: unavailable(NOT_IN_BUILD),
    baseline: unavailable('not measured'),
    preReceive: unavailable(NOT_IN_BUILD),
    preReceiveComponents: components,
    notes: [],
  };
  const t0 = nowMs();
  const { repo, name } = makeRepo(GIT.deploymentRefs, GIT.tags);
  // The rules are read from committed config: commit the deployment file the builder wrote,
  // unless the builder committed it already.
  git(repo, ['add', 'deployments']);
  if (git(repo, ['status', '--porcelain', '--', 'deployments']).stdout.trim())
    git(repo, ['commit', '-q', '-m', 'deployment file']);
  log(`git: verify repo built in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  try {
    result.baseline = await measure(
      1,
      GIT.runs,
      () =>
        run(['git', 'for-each-ref', '--format=%(objectname) %(refname)', '--', ...ROOTS], repo).ms,
    );
    if (!available) return result;
    const args = [process.execPath, CLI, 'verify', name, '--format', 'json'];
    const first = run(args, repo);
    const found = (JSON.parse(first.stdout) as { findings: Array<{ code: string }> }).findings;
    result.findings = found.length;
    const codes = new Map<string, number>();
    for (const f of found) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
    // The generated trail has no approval notes, so its gated target's records are findings.
    if (found.length)
      result.notes.push(
        `verify findings on the generated trail: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`,
      );
    result.ours = await measure(1, GIT.runs, () => run(args, repo).ms);
    result.oursProcesses = countProcesses((env) => run(args, repo, { env }));

    // One rollout of `components` components to the entry point, written by the tool; its
    // refs, tags and index are then the push a server hook judges (the objects are already in
    // the repository, as they are in git's quarantine during a real push).
    const watched = [`refs/atmos/deployments/${name}/t00/`, `refs/atmos/index/${name}/t00`];
    const before = refValues(repo, [...watched, `refs/tags/atmos/deployments/${name}/t00/`]);
    const compNames = Array.from(
      { length: components },
      (_, i) => `c${String(i).padStart(4, '0')}`,
    );
    const sha = git(repo, ['rev-parse', 'HEAD']).stdout.trim();
    const rollout = run(
      [
        process.execPath,
        CLI,
        'rollout',
        name,
        '--target',
        't00',
        '--git-sha',
        sha,
        '--redeploy',
        ...compNames.flatMap((c) => ['--component', c]),
      ],
      repo,
    );
    if (rollout.code !== 0) throw new Error('bench: the rollout for the pre-receive case failed');
    const after = refValues(repo, [...watched, `refs/tags/atmos/deployments/${name}/t00/`]);
    const zero = '0'.repeat(40);
    const lines = [...after]
      .filter(([ref, s]) => before.get(ref) !== s)
      .map(([ref, s]) => `${before.get(ref) ?? zero} ${s} ${ref}`);
    result.preReceiveLines = lines.length;
    const input = `${lines.join('\n')}\n`;
    const hook = [process.execPath, CLI, 'verify', '--pre-receive'];
    const judged = run(hook, repo, { input });
    if (judged.code !== 0) result.notes.push('verify --pre-receive refused the tool rollout');
    result.preReceive = await measure(1, GIT.runs, () => run(hook, repo, { input }).ms);
    result.preReceiveProcesses = countProcesses((env) => run(hook, repo, { env, input }));
    log(
      `git: verify ${fmt(result.ours)} (${result.oursProcesses} git processes, ${result.findings} findings) vs for-each-ref ${fmt(result.baseline)}; pre-receive of ${components} components (${lines.length} ref lines) ${fmt(result.preReceive)} (${result.preReceiveProcesses})`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
  return result;
}

function fmt(m: Metric): string {
  return 'median' in m ? `${m.median.toFixed(0)} ms` : 'n/a';
}
