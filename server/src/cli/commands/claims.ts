/**
 * `release-claim <deployment> --target <t> [--force]`: clears the deploy claim a rollout with
 * `--exec` takes on its target (core/claims.ts). An expired claim is cleared as it is; one that
 * still holds only with --force, for a rollout known to be gone (killed, its machine lost).
 */
import type { Command } from 'commander';
import { clearClaim, fetchRecords } from '../../rollout';
import { EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import { addRemoteOption, openDeployment, remoteOption, service } from './rollout';

export async function runReleaseClaim(
  name: string,
  opts: CommonOptions & { target: string; force?: boolean; remote?: string },
  output: Output,
): Promise<number> {
  const { store } = openDeployment(name, opts);
  const remote = remoteOption(opts);
  const message = await service(async () => {
    if (remote) await fetchRecords(store, name, remote);
    return clearClaim(store, name, opts.target, { force: !!opts.force, remote });
  });
  if (opts.format === 'json') output.out(JSON.stringify({ message }, null, 2));
  else output.out(`✓ ${message}`);
  return EXIT.ok;
}

export function registerClaims(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addRemoteOption(
      program
        .command('release-claim')
        .description(
          'Clear the deploy claim on a target (refs/atmos/claims/<deployment>/<target>) that a rollout with --exec left behind. An expired claim is cleared; one that still holds needs --force.',
        )
        .argument('<deployment>', 'deployment name')
        .requiredOption('--target <target>', 'target whose claim to clear')
        .option('--force', 'clear a claim that still holds (its rollout is known to be gone)'),
    ),
  ).action(async (name: string, opts) => setExit(await runReleaseClaim(name, opts, output)));
}
