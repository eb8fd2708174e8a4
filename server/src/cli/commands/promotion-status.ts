/** `promotion-status <deployment>`: what is where, and which edges can move next (the spec's output). */
import type { Command } from 'commander';
import { fetchRecords, formatStatusText, readPromotionStatus } from '../../rollout';
import { EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import { addRemoteOption, openDeployment, remoteOption, service } from './rollout';

export async function runPromotionStatus(
  name: string,
  opts: CommonOptions & { remote?: string },
  output: Output,
): Promise<number> {
  const { deployment, store } = openDeployment(name, opts);
  const remote = remoteOption(opts);
  if (remote) await service(() => fetchRecords(store, name, remote));
  const report = await service(() => readPromotionStatus(store, deployment));
  if (opts.format === 'json')
    output.out(
      JSON.stringify(
        {
          deployment: report.deployment,
          edges: report.edges.map((e) => ({
            from: e.from,
            to: e.to,
            state: e.state,
            label: e.label,
            why: e.why,
            requiresApproval: e.requiresApproval,
            components: e.source,
            changes: e.changes,
          })),
          targets: report.state,
        },
        null,
        2,
      ),
    );
  else output.out(formatStatusText(report));
  return EXIT.ok;
}

export function registerPromotionStatus(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addRemoteOption(
      program
        .command('promotion-status')
        .description(
          'Show each promotion edge as ready, ready with approval, up to date or blocked, with the SHAs and ages of what the source runs.',
        )
        .argument('<deployment>', 'deployment name'),
      true,
    ),
  ).action(async (name: string, opts) => setExit(await runPromotionStatus(name, opts, output)));
}
