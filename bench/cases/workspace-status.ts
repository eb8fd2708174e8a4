/**
 * Workspace status in one pass (issue 18, item 1): the deployed state of every deployment of a
 * workspace, read in-process through the real GitStore as the language server reads it
 * (`readWorkspaceStates`), beside its floor measured in the same run, in turns: the two git
 * commands alone, one `git for-each-ref` of every record ref and tag name and one
 * `git cat-file --batch` of the status index objects it names. At the smallest size the old way,
 * one `readDeployedState` per deployment one after another, is measured too; a re-read after a
 * rollout of one deployment (given the previous read) shows what a ref change costs.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { QUICK } from '../config';
import { addCommits, git, initRepo, RecordWriter } from '../git-repo';
import type { TargetCheck } from '../report';
import { nowMs, summarize, type Summary } from '../stats';
import type { Log } from './lsp';
import {
  deploymentRef,
  parseDeploymentFile,
  type Deployment,
  type StatusIndexEntry,
} from '../../server/src/core';
import { openGitStore, readDeployedState, readWorkspaceStates } from '../../server/src/rollout';

const SIZES = QUICK ? [100, 1000] : [100, 1000, 5000];
const RUNS = QUICK ? 2 : 5;
const TARGETS = ['dev', 'staging', 'prod'];
const COMPONENTS = ['api', 'worker'];
/** Records per ref in the tags: a little history behind each one. */
const PER_REF = 3;

export interface StatusSize {
  deployments: number;
  refs: number;
  tags: number;
  ours: Summary;
  /** for-each-ref + cat-file of the index objects, as two processes. */
  floor: Summary;
  /** Re-reading after one deployment's refs changed, given the previous read. */
  afterOneChange: Summary;
  /** One readDeployedState per deployment, one after another (smallest size only). */
  oneByOne?: Summary;
  gitProcesses: number;
}

export interface WorkspaceStatusResult {
  sizes: StatusSize[];
  notes: string[];
}

function deploymentText(name: string): string {
  return [
    'deployment:',
    `  name: ${name}`,
    '  components:',
    '    terraform:',
    ...COMPONENTS.map((c) => `      ${c}: {}`),
    '  targets:',
    '    dev: {}',
    '    staging:',
    '      promotion:',
    '        from: dev',
    '    prod:',
    '      promotion:',
    '        from: staging',
    '',
  ].join('\n');
}

function buildRepo(count: number): { repo: string; deployments: Deployment[] } {
  const repo = initRepo('workspace-status');
  const shas = addCommits(repo, PER_REF + 1);
  const records = new RecordWriter();
  const deployments: Deployment[] = [];
  let at = 0;
  for (let d = 0; d < count; d++) {
    const name = `svc-${String(d).padStart(4, '0')}`;
    const parsed = parseDeploymentFile(deploymentText(name), `deployments/${name}.yaml`);
    if (!parsed.deployment) throw new Error(`bench: ${name} does not parse`);
    deployments.push(parsed.deployment);
    TARGETS.forEach((t, ti) => {
      const index: Record<string, StatusIndexEntry> = {};
      for (const c of COMPONENTS) {
        for (let g = 0; g < PER_REF; g++)
          index[c] = records.deploymentTag(
            name,
            t,
            c,
            shas[g + 1],
            ++at,
            ti ? TARGETS[ti - 1] : undefined,
          );
        records.ref(deploymentRef(name, t, c), shas[PER_REF]);
      }
      records.statusIndex(name, t, index);
    });
  }
  records.write(repo);
  return { repo, deployments };
}

/** The floor: the two git commands alone, as processes. */
function floor(repo: string): number {
  const t0 = nowMs();
  const list = spawnSync(
    'git',
    [
      'for-each-ref',
      '--format=%(objectname) %(refname)',
      'refs/atmos/deployments/',
      'refs/atmos/index/',
      'refs/tags/atmos/deployments/',
    ],
    { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const index = String(list.stdout)
    .split('\n')
    .filter((l) => l.includes(' refs/atmos/index/'))
    .map((l) => `${l.slice(0, l.indexOf(' '))}\n`)
    .join('');
  spawnSync('git', ['cat-file', '--batch'], { cwd: repo, input: index, maxBuffer: 1 << 30 });
  return nowMs() - t0;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = nowMs();
  await fn();
  return nowMs() - t0;
}

export async function runWorkspaceStatusCase(log: Log): Promise<WorkspaceStatusResult> {
  const result: WorkspaceStatusResult = { sizes: [], notes: [] };
  for (const count of SIZES) {
    const { repo, deployments } = buildRepo(count);
    try {
      // One untimed round of each warms the page cache; the answer is checked against the old way.
      const check = await readWorkspaceStates(openGitStore(repo), deployments);
      const sample = deployments[Math.floor(count / 2)];
      const alone = await readDeployedState(openGitStore(repo), sample);
      const name = sample.name?.value ?? '';
      if (JSON.stringify(check.states.get(name)) !== JSON.stringify(alone))
        result.notes.push(`${count} deployments: ${name} differs from readDeployedState`);
      floor(repo);
      // Counted before any ref is moved by plain git below (such a ref is read from its tags).
      const store = openGitStore(repo);
      await readWorkspaceStates(store, deployments);
      const gitProcesses = store.processCount;
      const samples = { ours: [] as number[], floor: [] as number[], after: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        samples.ours.push(await timed(() => readWorkspaceStates(openGitStore(repo), deployments)));
        samples.floor.push(floor(repo));
        // One deployment's dev ref moves (as a rollout by plain git would), then everything is read
        // again given the previous read.
        const previous = await readWorkspaceStates(openGitStore(repo), deployments);
        const target = deployments[i % count].name?.value ?? '';
        const head = git(repo, ['rev-parse', `HEAD~${i % 2}`]).stdout.trim();
        git(repo, ['update-ref', deploymentRef(target, 'dev', 'api'), head]);
        samples.after.push(
          await timed(() => readWorkspaceStates(openGitStore(repo), deployments, previous)),
        );
      }
      const size: StatusSize = {
        deployments: count,
        refs: count * TARGETS.length * COMPONENTS.length,
        tags: count * TARGETS.length * COMPONENTS.length * PER_REF,
        ours: summarize(samples.ours),
        floor: summarize(samples.floor),
        afterOneChange: summarize(samples.after),
        gitProcesses,
      };
      if (count === SIZES[0]) {
        const one: number[] = [];
        for (let i = 0; i < Math.min(RUNS, 3); i++)
          one.push(
            await timed(async () => {
              const s = openGitStore(repo);
              for (const d of deployments) await readDeployedState(s, d);
            }),
          );
        size.oneByOne = summarize(one);
      }
      result.sizes.push(size);
      log(
        `status: ${count} deployments, one pass ${size.ours.median.toFixed(0)} ms vs two git commands ${size.floor.median.toFixed(0)} ms, after one change ${size.afterOneChange.median.toFixed(0)} ms${size.oneByOne ? `, one by one ${size.oneByOne.median.toFixed(0)} ms` : ''}, ${size.gitProcesses} git processes`,
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }
  return result;
}

const mp = (m: Summary) => `${m.median.toFixed(0)} / ${m.p95.toFixed(0)}`;

export function workspaceStatusTargets(r: WorkspaceStatusResult): TargetCheck[] {
  return r.sizes.map((s) => {
    const ratio = s.ours.median / s.floor.median;
    return {
      target: `workspace status, ${s.deployments} deployments, vs for-each-ref + cat-file alone`,
      measured: `${ratio.toFixed(2)}×`,
      limit: '≤ 3×',
      met: ratio <= 3 ? 'yes' : 'no',
    };
  });
}

export function workspaceStatusTables(r: WorkspaceStatusResult): string[] {
  return [
    '### 6. Workspace status in one pass',
    '',
    `Deployments of ${TARGETS.length} targets × ${COMPONENTS.length} components, every ref recorded with ${PER_REF} tags behind it and a status index per target (packed). *ours* is \`readWorkspaceStates\` in the bench process through the real GitStore, as the language server calls it (no node start-up); *floor* is the two git commands alone: \`git for-each-ref\` of every record ref, index ref and tag name, and \`git cat-file --batch\` of the index objects. *after one change* re-reads everything given the previous read after one deployment's ref moved. *one by one* is the old way, \`readDeployedState\` per deployment.`,
    '',
    '| deployments | refs | tags | ours | floor | ours/floor | after one change | one by one | git processes |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.sizes.map(
      (s) =>
        `| ${s.deployments} | ${s.refs} | ${s.tags} | ${mp(s.ours)} | ${mp(s.floor)} | ${(s.ours.median / s.floor.median).toFixed(2)}× | ${mp(s.afterOneChange)} | ${s.oneByOne ? mp(s.oneByOne) : ''} | ${s.gitProcesses} |`,
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
}
