/**
 * A release day through one smart-HTTP remote: `n` clones, each of a different person, run the
 * same four actions at once, round by round, with the CLI as a user would:
 *
 *   1. roll the same commit out to `dev` (everyone races for the same refs),
 *   2. promote `dev` to their own staging target `s<i>`,
 *   3. approve the promotion of `s<i>` to their own prod target `p<i>` (everyone appends to the
 *      one approvals notes ref),
 *   4. promote `s<i>` to `p<i>` with the recorded approval.
 *
 * Every action should succeed: the races in rounds 1 and 3 are safe for the tool to retry
 * itself, and the promotions of rounds 2 and 4 go to different targets, which never conflict.
 * The test (twenty-clones.test.ts) checks that; the bench (bench/cases/clones.ts) times it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliStart, git, makeRepo, type CliResult } from './helpers';
import { startHttpRemote, type HttpRemote } from './http-remote';

export const ROUNDS = ['dev', 'staging', 'approve', 'prod'] as const;
export type Round = (typeof ROUNDS)[number];

export interface ActionResult {
  clone: number;
  round: Round;
  args: string[];
  result: CliResult;
  ms: number;
}

export interface Workload {
  remote: HttpRemote;
  source: string;
  clones: string[];
  results: ActionResult[];
  /** The commit every clone rolled out and promoted. */
  sha: string;
}

/** A deployment with `dev`, and a staging and an approval-gated prod target per clone. */
export function releaseDayFile(n: number): string {
  const lines = [
    'deployment:',
    '  name: shop',
    '  components:',
    '    terraform:',
    '      api: {}',
    '      db: {}',
    '  targets:',
    '    dev: {}',
  ];
  for (let i = 0; i < n; i++)
    lines.push(
      `    s${i}:`,
      '      promotion: {from: dev}',
      `    p${i}:`,
      `      promotion: {from: s${i}, requires_approval: true}`,
    );
  return `${lines.join('\n')}\n`;
}

function argsFor(round: Round, i: number): string[] {
  const remote = ['--remote', 'origin'];
  switch (round) {
    case 'dev':
      return ['rollout', 'shop', '--target', 'dev', ...remote];
    case 'staging':
      return ['rollout', 'shop', '--target', `s${i}`, '--promote-from', 'dev', ...remote];
    case 'approve':
      return ['approve', 'shop', '--target', `p${i}`, '--promote-from', `s${i}`, ...remote];
    case 'prod':
      return ['rollout', 'shop', '--target', `p${i}`, '--promote-from', `s${i}`, ...remote];
  }
}

/** The identity of clone `i`: its own person, so approvals are not the deployer's own. */
export function personOf(i: number): NodeJS.ProcessEnv {
  const email = `person${i}@example.com`;
  return {
    GIT_AUTHOR_NAME: `Person ${i}`,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: `Person ${i}`,
    GIT_COMMITTER_EMAIL: email,
  };
}

/** Sets up the remote and `n` clones, then runs the four rounds, all clones at once in each. */
export async function runReleaseDay(n: number): Promise<Workload> {
  const source = makeRepo({ 'shop.yaml': releaseDayFile(n) });
  const sha = git(source, ['rev-parse', 'HEAD']).trim();
  const remote = await startHttpRemote({ source });
  const clones: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = mkdtempSync(path.join(tmpdir(), 'atmos-clone-'));
    git(c, ['clone', '-q', remote.url, '.']);
    clones.push(c);
  }
  const results: ActionResult[] = [];
  for (const round of ROUNDS) {
    const started = clones.map((c, i) => {
      const args = argsFor(round, i);
      const t0 = performance.now();
      return cliStart(c, args, personOf(i)).done.then((result) => ({
        clone: i,
        round,
        args,
        result,
        ms: performance.now() - t0,
      }));
    });
    results.push(...(await Promise.all(started)));
  }
  return { remote, source, clones, results, sha };
}

/** The actions that did not exit 0, each with what it printed, for an assertion message. */
export function failures(results: ActionResult[]): string[] {
  return results
    .filter((r) => r.result.code !== 0)
    .map(
      (r) =>
        `clone ${r.clone} ${r.args.join(' ')} → exit ${r.result.code}\n${r.result.stdout}${r.result.stderr}`,
    );
}
