/** `rollback <deployment> --target <t> --to <tag-or-timestamp>`: put a recorded SHA set back. */
import type { Command } from 'commander';
import { whileDeploying } from './wait-options';
import { rollback } from '../../rollout';
import type { Output } from '../output';
import { commonOptions } from '../options';
import {
  applyFlags,
  applyOptions,
  openDeployment,
  printApplyResult,
  service,
  type ApplyCliOptions,
} from './rollout';

export async function runRollback(
  name: string,
  opts: ApplyCliOptions & { to: string },
  output: Output,
): Promise<number> {
  const { deployment, store, policy } = openDeployment(name, opts);
  const result = await whileDeploying((stopDeploy, onDeployStart) =>
    service(() =>
      rollback(store, deployment, {
        ...applyOptions(opts, output, policy),
        to: opts.to,
        stopDeploy,
        onDeployStart,
      }),
    ),
  );
  return printApplyResult(result, opts, output);
}

export function registerRollback(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    applyFlags(
      program
        .command('rollback')
        .description(
          'Re-promote the SHA set of a recorded rollout through the same rules and approvals; the new tags carry rollback_of and status rolled_back.',
        )
        .argument('<deployment>', 'deployment name')
        .requiredOption('--target <target>', 'target to roll back')
        .requiredOption(
          '--to <tag-or-timestamp>',
          'a deployment tag, or its timestamp such as 2025-01-22T12-00-00Z',
        ),
    ),
  ).action(async (name: string, opts) => setExit(await runRollback(name, opts, output)));
}
