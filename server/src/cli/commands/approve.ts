/**
 * `approve <deployment> --target <t> (--promote-from <s> | --git-sha <sha>)`: record the
 * approval note for the current plan of a promotion, or of a commit rolled onto an entry point.
 */
import type { Command } from 'commander';
import { approve } from '../../rollout';
import { CliError, EXIT } from '../errors';
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
  promoteFrom?: string;
  gitSha?: string;
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
  // An approval names what it approves: HEAD by default would approve whatever is checked out
  // when the command happens to run, so one of the two is required.
  if ((opts.promoteFrom === undefined) === (opts.gitSha === undefined))
    throw new CliError(
      'Pass --promote-from <source> to approve a promotion, or --git-sha <commit> to approve a commit rolled onto an entry point (one of the two).',
      EXIT.usage,
    );
  const { deployment, store, policy } = openDeployment(name, opts);
  const result = await service(() =>
    approve(store, deployment, {
      policy,
      target: opts.target,
      promoteFrom: opts.promoteFrom,
      gitSha: opts.gitSha,
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
            'Record an approval (a git note under refs/notes/atmos/<deployment>/approvals) for the current plan of a promotion (--promote-from) or of a commit rolled onto an entry point (--git-sha), bound to its deployment, target, source and component SHAs, for a rollout run later or elsewhere.',
          )
          .argument('<deployment>', 'deployment name')
          .requiredOption('--target <target>', 'target the promotion goes to')
          .option('--promote-from <source>', 'target the promotion comes from')
          .option(
            '--git-sha <sha>',
            'commit of a commit rollout (rollout --git-sha) to approve, instead of --promote-from',
          )
          .option('--component <name>', 'limit to this component (repeatable)', collect)
          .option('--role <role>', 'approver_role, such as ops-lead')
          .option('--approver <who>', 'approved_by (default: the git identity email)'),
      ),
    ),
  ).action(async (name: string, opts) => setExit(await runApprove(name, opts, output)));
}
