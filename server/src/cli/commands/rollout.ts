/**
 * `rollout <deployment> --target <t> (--promote-from <s> | --git-sha <sha>)`: plan, approval,
 * optional deploy command per component, then one git transaction (design section 6). Also
 * holds what the other git commands share: loading a deployment for git, the remote option and
 * the mapping from rollout errors to exit codes.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { invalidNameMessage, nameProblem, validateFile, type Deployment } from '../../core';
import {
  applyRollout,
  execDeploy,
  openGitStore,
  rolloutWithWait,
  RolloutError,
  type ApplyResult,
  type GitStore,
  type PolicySource,
  type RolloutPlan,
} from '../../rollout';
import { CliError, EXIT, jsonError } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import { findDeployment, loadWorkspace } from '../workspace';
import {
  claimDuration,
  deployTimeout,
  parallelism,
  waitOptions,
  whileDeploying,
  whileWaiting,
} from './wait-options';

export interface GitCommandContext {
  deployment: Deployment;
  store: GitStore;
  /** The file as read from disk; writes read their rules from its committed copy. */
  policy: PolicySource;
}

/**
 * Finds the deployment and opens the store. The name on the command line is checked before
 * anything else, and a deployment file with errors is refused: its names may not be safe for
 * git, and its rules may not mean what they say.
 */
export function openDeployment(
  name: string,
  opts: CommonOptions & { policyRev?: string },
): GitCommandContext {
  const why = nameProblem('deployment', name);
  if (why) throw new CliError(invalidNameMessage('deployment', name, why), EXIT.usage);
  const ws = loadWorkspace(opts.cwd, opts.limits);
  const file = findDeployment(ws, name);
  const errors = validateFile(file, { workspace: ws.index }).filter((p) => p.severity === 'error');
  if (errors.length) {
    const first = errors
      .slice(0, 5)
      .map(
        (p) =>
          `  ${file.file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.code} ${p.message}`,
      )
      .join('\n');
    throw new CliError(
      `${file.file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix them before recording rollouts (run \`atmos-deployments validate ${file.file}\`):\n${first}`,
      EXIT.refused,
    );
  }
  return {
    deployment: file.deployment!,
    store: openGitStore(opts.cwd),
    policy: { file: path.resolve(opts.cwd, file.file), text: file.text, rev: opts.policyRev },
  };
}

/** Runs a service call; its RolloutError becomes a CLI error with the documented exit code. */
export async function service<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RolloutError) {
      const detail = process.env.ATMOS_DEBUG && err.detail ? `\n${err.detail}` : '';
      throw new CliError(err.message + detail, err.exitCode, err.kind);
    }
    throw err;
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--remote` or, when absent, the `ATMOS_DEPLOYMENTS_REMOTE` variable. */
export function remoteOption(opts: { remote?: string }): string | undefined {
  return opts.remote || process.env.ATMOS_DEPLOYMENTS_REMOTE || undefined;
}

/** `--policy-rev`, for the commands that write records and so follow committed rules. */
export function addPolicyRevOption(cmd: Command): Command {
  return cmd.option(
    '--policy-rev <rev>',
    "commit whose deployment file holds the rules to follow (default: HEAD; with --remote, the remote's default branch)",
  );
}

export function addRemoteOption(cmd: Command, reads = false): Command {
  return cmd.option(
    '--remote <name>',
    reads
      ? 'git remote holding the shared records: fetch them first (default: $ATMOS_DEPLOYMENTS_REMOTE)'
      : 'git remote holding the shared records: fetch them first, push in one atomic push (default: $ATMOS_DEPLOYMENTS_REMOTE)',
  );
}

function parseMetadata(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const at = p.indexOf('=');
    const key = at > 0 ? p.slice(0, at) : '';
    if (!/^[A-Za-z0-9_.-]+$/.test(key))
      throw new CliError(
        `--metadata ${JSON.stringify(p)}: expected key=value, such as pr=#482.`,
        EXIT.usage,
      );
    out[key] = p.slice(at + 1);
  }
  return out;
}

/** The TTY question; anything but y or yes is a no. */
export async function askApproval(_plan: RolloutPlan): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question('Approve deployment? [y/N]: ', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export interface ApplyCliOptions extends CommonOptions {
  target: string;
  component?: string[];
  buildId?: string;
  metadata?: string[];
  exec?: string;
  remote?: string;
  dryRun?: boolean;
  approve?: boolean;
  redeploy?: boolean;
  approver?: string;
  role?: string;
  policyRev?: string;
  claimFor?: string;
  parallelism?: string;
  deployTimeout?: string;
}

/** The options rollout and rollback share, turned into service options. */
export function applyOptions(opts: ApplyCliOptions, output: Output, policy: PolicySource) {
  const json = opts.format === 'json';
  const interactive = !!process.stdin.isTTY && !json;
  return {
    policy,
    target: opts.target,
    components: opts.component,
    buildId: opts.buildId,
    metadata: parseMetadata(opts.metadata ?? []),
    deploy: opts.exec
      ? execDeploy(opts.exec, {
          quietStdout: json,
          timeoutMs:
            opts.deployTimeout === undefined ? undefined : deployTimeout(opts.deployTimeout),
        })
      : undefined,
    parallelism: opts.parallelism === undefined ? undefined : parallelism(opts.parallelism),
    remote: remoteOption(opts),
    dryRun: !!opts.dryRun,
    approve: !!opts.approve,
    approver: opts.approver,
    approverRole: opts.role,
    redeploy: !!opts.redeploy,
    claimForMs: opts.claimFor === undefined ? undefined : claimDuration(opts.claimFor),
    confirm: interactive ? askApproval : undefined,
    onProgress: (line: string) => (json ? output.err(line) : output.out(line)),
  };
}

export function printApplyResult(result: ApplyResult, opts: CommonOptions, output: Output): number {
  // A failed deploy step is a result, not a thrown error, so its JSON is the result itself; the
  // `error` member it gains is the one every other failure prints, so a script checks one key.
  if (opts.format === 'json')
    output.out(
      JSON.stringify(
        result.ok
          ? result
          : { ...result, ...jsonError('deploy-failed', result.message, EXIT.refused) },
        null,
        2,
      ),
    );
  else {
    for (const r of result.recorded)
      output.out(
        `→ Recorded ${r.component} (${r.status}${r.reason ? `: ${r.reason}` : ''}): ${r.tag}`,
      );
    output.out(`${result.ok ? '✓' : '✗'} ${result.message}`);
    // Said once, after the result that already names it, so records written without a deploy
    // step are never mistaken for a deployment and the way to attach one is at hand.
    if (result.recordedOnly)
      output.out(
        '  To run a deploy step for each component, pass --exec <command> (in the editor: the atmosDeployments.deployCommand setting).',
      );
  }
  return result.ok ? EXIT.ok : EXIT.refused;
}

/** Options shared by rollout and rollback, in the order `--help` lists them. */
export function applyFlags(cmd: Command): Command {
  return addPolicyRevOption(
    addRemoteOption(
      cmd
        .option('--component <name>', 'limit to this component (repeatable)', collect)
        .option('--build-id <id>', 'build identifier recorded in each tag')
        .option(
          '--metadata <key=value>',
          'extra metadata recorded in each tag (repeatable)',
          collect,
        )
        .option(
          '--exec <command>',
          'deploy command run per component through the shell, in dependency waves (metadata.depends_on), with ATMOS_DEPLOYMENT, ATMOS_TARGET, ATMOS_COMPONENT, ATMOS_COMPONENT_TYPE, ATMOS_GIT_SHA, ATMOS_PROMOTED_FROM, ATMOS_STACKS (JSON) and ATMOS_VARS (JSON) set; a failure records status failed, leaves that ref, and stops the components that depend on it',
        )
        .option(
          '--parallelism <n>',
          'with --exec, how many components of one wave deploy at once (default: the number of cores)',
        )
        .option(
          '--deploy-timeout <duration>',
          'with --exec, stop a component whose command runs longer and record it failed (default 30m)',
        )
        .option('--dry-run', 'print the plan and write nothing')
        .option(
          '--approve',
          'approve the plan now (records the approval note) when the target requires approval',
        )
        .option(
          '--approver <who>',
          'approved_by for an approval recorded here (default: git identity)',
        )
        .option('--role <role>', 'approver_role for an approval recorded here')
        .option('--redeploy', 'record the rollout even when the target already runs these SHAs')
        .option(
          '--claim-for <duration>',
          'with --exec, how long the claim on the target that keeps other rollouts from deploying at the same time holds if this rollout dies (default 1h)',
        ),
    ),
  );
}

export async function runRollout(
  name: string,
  opts: ApplyCliOptions & {
    promoteFrom?: string;
    gitSha?: string;
    wait?: string | boolean;
    pollInterval?: string;
  },
  output: Output,
): Promise<number> {
  const wait = waitOptions(opts);
  const { deployment, store, policy } = openDeployment(name, opts);
  const options = {
    ...applyOptions(opts, output, policy),
    promoteFrom: opts.promoteFrom,
    gitSha: opts.gitSha,
  };
  // Ctrl+C while waiting withdraws the request; while deploying, it stops the deploy steps.
  const result = wait
    ? await whileWaiting((signal) =>
        service(() =>
          rolloutWithWait(
            store,
            deployment,
            { ...options, stopDeploy: signal },
            { ...wait, signal },
          ),
        ),
      )
    : await whileDeploying((stopDeploy, onDeployStart) =>
        service(() => applyRollout(store, deployment, { ...options, stopDeploy, onDeployStart })),
      );
  return printApplyResult(result, opts, output);
}

export function registerRollout(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    applyFlags(
      program
        .command('rollout')
        .description(
          'Roll a deployment out to a target: promote the SHAs of a source target (--promote-from) or a commit (--git-sha, default HEAD, only for targets without source rules), asking for approval where required, recorded in git in one transaction.',
        )
        .argument('<deployment>', 'deployment name')
        .requiredOption('--target <target>', 'target to roll out to')
        .option(
          '--promote-from <source>',
          'copy the SHAs deployed in this target of the same deployment',
        )
        .option(
          '--git-sha <commit>',
          'commit to deploy (default HEAD); only for targets without promotion rules',
        )
        .option(
          '--wait [duration]',
          'when approvals are missing, record an approval request (refs/atmos/requests/<d>/<t>) and wait this long (default 1h) for approvers, then roll out; Ctrl+C withdraws the request',
        )
        .option(
          '--poll-interval <duration>',
          'with --wait, the first pause between looks at the records (default 5s; grows while nothing changes)',
        ),
    ),
  ).action(async (name: string, opts) => setExit(await runRollout(name, opts, output)));
}
