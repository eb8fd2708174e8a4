/** `approve <deployment> --target <t> --promote-from <s>`: record the approval note for the current plan. */
import type { Command } from 'commander';
import { approve } from '../../rollout';
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

export interface ApproveCliOptions extends CommonOptions {
  target: string;
  promoteFrom: string;
  component?: string[];
  role?: string;
  approver?: string;
  remote?: string;
  policyRev?: string;
}

export async function runApprove(
  name: string,
  opts: ApproveCliOptions,
  output: Output,
): Promise<number> {
  const { deployment, store, policy } = openDeployment(name, opts);
  const result = await service(() =>
    approve(store, deployment, {
      policy,
      target: opts.target,
      promoteFrom: opts.promoteFrom,
      components: opts.component,
      role: opts.role,
      approver: opts.approver,
      remote: remoteOption(opts),
    }),
  );
  if (opts.format === 'json') output.out(JSON.stringify(result, null, 2));
  else output.out(`✓ ${result.message}`);
  return EXIT.ok;
}

export function registerApprove(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addPolicyRevOption(
      addRemoteOption(
        program
          .command('approve')
          .description(
            'Record an approval (a git note under refs/notes/atmos/<deployment>/approvals) for the current plan of a promotion, bound to its deployment, target, source and component SHAs, for a rollout run later or elsewhere.',
          )
          .argument('<deployment>', 'deployment name')
          .requiredOption('--target <target>', 'target the promotion goes to')
          .requiredOption('--promote-from <source>', 'target the promotion comes from')
          .option('--component <name>', 'limit to this component (repeatable)', collect)
          .option('--role <role>', 'approver_role, such as ops-lead')
          .option('--approver <who>', 'approved_by (default: the git identity email)'),
      ),
    ),
  ).action(async (name: string, opts) => setExit(await runApprove(name, opts, output)));
}
