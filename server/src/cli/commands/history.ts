/** `history <deployment>`: recorded rollouts from the deployment tags, newest first. */
import type { Command } from 'commander';
import { fetchRecords, history } from '../../rollout';
import { componentNames, didYouMean, displayName, knownTargetsText, targetNames } from '../../core';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import { addRemoteOption, openDeployment, remoteOption, service } from './rollout';

export interface HistoryCliOptions extends CommonOptions {
  target?: string;
  component?: string;
  limit?: string;
  remote?: string;
}

export async function runHistory(
  name: string,
  opts: HistoryCliOptions,
  output: Output,
): Promise<number> {
  const { deployment, store } = openDeployment(name, opts);
  // A typo in a filter would otherwise read as "nothing recorded", which is a different fact.
  if (opts.target !== undefined && !targetNames(deployment).includes(opts.target))
    throw new CliError(
      `Unknown target '${displayName(opts.target)}' in deployment ${displayName(name)}.${didYouMean(deployment, opts.target)} ${knownTargetsText(deployment)}`,
    );
  const components = componentNames(deployment);
  if (opts.component !== undefined && components.length && !components.includes(opts.component))
    throw new CliError(
      `Unknown component '${displayName(opts.component)}' in deployment ${displayName(name)}. Known components: ${components.map(displayName).join(', ')}.`,
    );
  if (opts.limit !== undefined && !/^[1-9]\d*$/.test(opts.limit))
    throw new CliError(`--limit ${JSON.stringify(opts.limit)}: expected a whole number above 0.`);
  const remote = remoteOption(opts);
  if (remote) await service(() => fetchRecords(store, name, remote));
  const entries = await service(() =>
    history(store, deployment, {
      target: opts.target,
      component: opts.component,
      limit: opts.limit ? Number(opts.limit) : undefined,
    }),
  );
  if (opts.format === 'json') {
    output.out(JSON.stringify({ deployment: name, entries }, null, 2));
    return EXIT.ok;
  }
  if (entries.length === 0)
    output.err(`No recorded rollouts of ${name}${opts.target ? ` to ${opts.target}` : ''}.`);
  for (const e of entries) {
    const parts = [e.timestamp, `${e.target}/${e.component}`, e.gitSha.slice(0, 9), e.status];
    if (e.promotedFrom) parts.push(`from ${e.promotedFrom}`);
    if (e.rollbackOf) parts.push(`rollback of ${e.rollbackOf}`);
    if (e.deployedBy) parts.push(`by ${e.deployedBy}`);
    if (e.approver)
      parts.push(
        `approved by ${e.approver}${e.approvalRecordedBy ? ` (recorded by ${e.approvalRecordedBy})` : ''}`,
      );
    else if (e.unbackedApprover)
      parts.push(`names approver ${e.unbackedApprover}, but no recorded approval backs it`);
    output.out(parts.join('  '));
  }
  return EXIT.ok;
}

export function registerHistory(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addRemoteOption(
      program
        .command('history')
        .description('List recorded rollouts (from the deployment tags), newest first.')
        .argument('<deployment>', 'deployment name')
        .option('--target <target>', 'only this target')
        .option('--component <name>', 'only this component')
        .option('--limit <n>', 'at most this many entries'),
      true,
    ),
  ).action(async (name: string, opts) => setExit(await runHistory(name, opts, output)));
}
