/**
 * `retire <deployment> --component <c> [--target t ...]`: deletes the recorded refs of a
 * component that was renamed or removed in the deployment file, in one transaction, keeping
 * its tags as history (rollout/retire.ts). The way forward when git cannot record the new name
 * beside the old one (`recorded-component-conflict`).
 */
import type { Command } from 'commander';
import { retireComponent } from '../../rollout';
import { EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import {
  addPolicyRevOption,
  addRemoteOption,
  collect,
  openDeployment,
  remoteOption,
  service,
} from './rollout';

export async function runRetire(
  name: string,
  opts: CommonOptions & {
    component: string;
    target?: string[];
    remote?: string;
    policyRev?: string;
  },
  output: Output,
): Promise<number> {
  const { deployment, store, policy } = openDeployment(name, opts);
  const result = await service(() =>
    retireComponent(store, deployment, {
      component: opts.component,
      targets: opts.target,
      policy,
      remote: remoteOption(opts),
    }),
  );
  if (opts.format === 'json') output.out(JSON.stringify(result, null, 2));
  else output.out(`✓ ${result.message}`);
  return EXIT.ok;
}

export function registerRetire(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addPolicyRevOption(
      addRemoteOption(
        program
          .command('retire')
          .description(
            'Retire a component that is no longer in the deployment file (renamed, for example ecs to ecs/api): delete its recorded refs and drop it from the status index in one transaction; its tags stay as history.',
          )
          .argument('<deployment>', 'deployment name')
          .requiredOption('--component <name>', 'the recorded component to retire')
          .option(
            '--target <target>',
            'only in this target (repeatable; default: every target)',
            collect,
          ),
      ),
    ),
  ).action(async (name: string, opts) => setExit(await runRetire(name, opts, output)));
}
