/**
 * Case 3c: approval requests (issue 15). One deployment with 100 gated targets, each with an
 * open approval request, and 1,000 approval notes (one per commit, ten of them approving a
 * request); `approvals` and `promotion-status` of it, each beside one `git for-each-ref` of
 * the records in the same run, and their git processes at 10 and at 100 requests, which must
 * be the same (a constant number, whatever the number of requests and notes).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GIT, QUICK } from '../config';
import { addCommits, git, IDENTITY, initRepo, writeDeploymentFile } from '../git-repo';
import { NOT_IN_BUILD, unavailable, type Metric } from '../metric';
import { ROOT } from '../servers';
import { measure, nowMs } from '../stats';
import type { Log } from './lsp';

const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface RequestsBench {
  requests: number;
  notes: number;
  approvals: Metric;
  status: Metric;
  /** One `git for-each-ref` of the deployment's records, notes and requests, same run. */
  baseline: Metric;
  approvalsProcesses?: number;
  /** The same command's git processes with a tenth of the requests. */
  approvalsProcessesSmall?: number;
  statusProcesses?: number;
  statusProcessesSmall?: number;
  notesText: string[];
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): number {
  const t0 = nowMs();
  const r = spawnSync(args[0], args.slice(1), {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0)
    throw new Error(`bench: ${args.slice(1, 4).join(' ')} exited ${r.status}: ${r.stderr}`);
  return nowMs() - t0;
}

let seq = 0;
function processes(args: string[], cwd: string): number {
  const file = path.join(tmpdir(), `atmos-bench-requests-${process.pid}-${++seq}.json`);
  rmSync(file, { force: true });
  run(args, cwd, { GIT_TRACE2_EVENT: file });
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event":"start"')).length;
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * A repository whose deployment `req` has dev → staging → t000..t{n-1} (each gated), staging
 * deployed at one commit, an open request per gated target for that commit, and `notes`
 * approval lines, one per commit, the first ten approving the first ten requests.
 */
function makeRepo(requests: number, notes: number): { repo: string; head: string } {
  const repo = initRepo('requests');
  const commits = addCommits(repo, notes);
  const gated = Array.from({ length: requests }, (_, i) => `t${String(i).padStart(3, '0')}`);
  writeDeploymentFile(
    repo,
    'req',
    [
      { name: 'dev' },
      { name: 'staging', from: 'dev' },
      ...gated.map((name) => ({ name, from: 'staging', approval: true })),
    ],
    ['api', 'worker'],
  );
  const head = git(repo, ['rev-parse', 'HEAD']).stdout.trim();
  for (const args of [
    ['--target', 'dev', '--git-sha', head],
    ['--target', 'staging', '--promote-from', 'dev'],
  ])
    run([process.execPath, CLI, 'rollout', 'req', ...args], repo);
  const staging = { api: head, worker: head };
  const who = `${IDENTITY.name} <${IDENTITY.email}>`;
  const parts: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  gated.forEach((target, i) => {
    const request = JSON.stringify({
      kind: 'request',
      deployment: 'req',
      target,
      promoted_from: 'staging',
      components: staging,
      requested_by: 'carol@example.com',
      requested_at: '2026-01-01T00:00:00Z',
      expires_at: '2099-01-01T00:00:00Z',
    });
    parts.push(
      `commit refs/atmos/requests/req/${target}\ncommitter ${who} ${1767225600 + i} +0000\n${data(`Request approval\n\n${request}`)}\n`,
    );
  });
  // One notes commit with a note on every commit: ten approve a request's plan, the rest
  // approve plans nobody asked for.
  parts.push(
    `commit refs/notes/atmos/req/approvals\ncommitter ${who} 1767229200 +0000\n${data('approvals')}`,
  );
  const approval = (target: string, i: number) =>
    JSON.stringify({
      approved_by: 'alice@example.com',
      approved_at: `2026-01-01T01:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
      approver_role: '',
      target,
      deployment: 'req',
      promoted_from: 'staging',
      components: staging,
    });
  const note = (text: string, commit: string) => `N inline ${commit}\n${data(text)}`;
  const onHead: string[] = [];
  commits.forEach((c, i) => {
    if (i < 10 && i < gated.length) onHead.push(approval(gated[i], i));
    else parts.push(note(approval(gated[i % gated.length], i), c));
  });
  if (onHead.length) parts.push(note(onHead.join('\n'), head));
  git(repo, ['fast-import', '--quiet'], { input: `${parts.join('')}\n` });
  return { repo, head };
}

export async function requestsCase(log: Log, available: boolean): Promise<RequestsBench> {
  const requests = QUICK ? 20 : 100;
  const notes = QUICK ? 100 : 1000;
  const result: RequestsBench = {
    requests,
    notes,
    approvals: unavailable(NOT_IN_BUILD),
    status: unavailable(NOT_IN_BUILD),
    baseline: unavailable('not measured'),
    notesText: [],
  };
  if (!available) return result;
  const t0 = nowMs();
  const big = makeRepo(requests, notes);
  const small = makeRepo(Math.max(1, requests / 10), notes / 10);
  log(`git: requests repos built in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  const approvals = [process.execPath, CLI, 'approvals', 'req', '--format', 'json'];
  const status = [process.execPath, CLI, 'promotion-status', 'req', '--format', 'json'];
  const listed = JSON.parse(
    spawnSync(approvals[0], approvals.slice(1), { cwd: big.repo, encoding: 'utf8' }).stdout,
  ) as { requests: Array<{ approvedBy: string[] }> };
  const approved = listed.requests.filter((r) => r.approvedBy.length).length;
  if (listed.requests.length !== requests)
    throw new Error(`bench: approvals listed ${listed.requests.length} of ${requests} requests`);
  result.notesText.push(
    `approvals on the ${requests}-request repository lists ${listed.requests.length} open requests, ${approved} of them with a counted approval (the generated notes approve ten).`,
  );
  result.baseline = await measure(1, GIT.runs, () =>
    run(
      [
        'git',
        'for-each-ref',
        '--format=%(objectname) %(refname)',
        'refs/atmos/',
        'refs/notes/atmos/',
        'refs/tags/atmos/deployments/req/',
      ],
      big.repo,
    ),
  );
  result.approvals = await measure(1, GIT.runs, () => run(approvals, big.repo));
  result.status = await measure(1, GIT.runs, () => run(status, big.repo));
  result.approvalsProcesses = processes(approvals, big.repo);
  result.approvalsProcessesSmall = processes(approvals, small.repo);
  result.statusProcesses = processes(status, big.repo);
  result.statusProcessesSmall = processes(status, small.repo);
  for (const dir of [big.repo, small.repo]) rmSync(dir, { recursive: true, force: true });
  return result;
}
