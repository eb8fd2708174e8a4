/**
 * `approvals [<deployment>]` lists open approval requests (the ones `rollout --wait` records),
 * marking those the caller may approve; `decline <deployment> --target <t> --reason <text>`
 * declines one, which ends the waiting rollout with exit 1 (design section 11).
 */
import type { Command } from 'commander';
import {
  declineRequest,
  deploymentsWithRequests,
  fetchAllRequests,
  fetchRecords,
  listApprovalRequests,
  loadPolicy,
  openGitStore,
  type RequestSummary,
} from '../../rollout';
import { EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import {
  addPolicyRevOption,
  addRemoteOption,
  openDeployment,
  remoteOption,
  service,
} from './rollout';

interface ApprovalsCliOptions extends CommonOptions {
  remote?: string;
  all?: boolean;
  policyRev?: string;
}

/** The deployments that have request refs, from one `for-each-ref` (after a fetch of them all). */
async function requestedDeployments(opts: ApprovalsCliOptions): Promise<string[]> {
  const store = openGitStore(opts.cwd);
  const remote = remoteOption(opts);
  if (remote) await service(() => fetchAllRequests(store, remote));
  return service(() => deploymentsWithRequests(store));
}

/** The flag that names what a request asks to deploy: its source, or its commit. */
function approveSource(r: RequestSummary): string {
  if (!r.direct) return `--promote-from ${r.promotedFrom}`;
  const shas = [...new Set(Object.values(r.components))];
  return `--git-sha ${shas.join(',')}`;
}

function describe(r: RequestSummary): string[] {
  const comps = Object.entries(r.components)
    .map(([c, sha]) => `${c} ${sha.slice(0, 7)}`)
    .join(', ');
  const mark = r.yours ? '  ← yours to approve' : '';
  const lines = [
    `${r.deployment}: ${r.promotedFrom} → ${r.target} (${r.state})${mark}`,
    `  requested by ${r.requestedBy} at ${r.requestedAt}, expires ${r.expiresAt}`,
    `  components: ${comps}`,
    `  approvers: ${r.approvers.length ? r.approvers.join(', ') : 'anyone (manual)'}; ${r.summary}`,
  ];
  if (r.declined)
    lines.push(`  declined by ${r.declined.by} at ${r.declined.at}: ${r.declined.reason}`);
  for (const p of r.problems) lines.push(`  ! ${p}`);
  if (r.state === 'open')
    lines.push(
      `  approve: atmos-deployments approve ${r.deployment} --target ${r.target} ${approveSource(r)}`,
      `  decline: atmos-deployments decline ${r.deployment} --target ${r.target} --reason "<why>"`,
    );
  return lines;
}

export async function runApprovals(
  name: string | undefined,
  opts: ApprovalsCliOptions,
  output: Output,
): Promise<number> {
  const names = name ? [name] : await requestedDeployments(opts);
  const all: RequestSummary[] = [];
  for (const n of names) {
    const { deployment, store, policy } = openDeployment(n, opts);
    all.push(
      ...(await service(() =>
        listApprovalRequests(store, deployment, {
          policy,
          remote: remoteOption(opts),
          all: !!opts.all,
        }),
      )),
    );
  }
  if (opts.format === 'json') output.out(JSON.stringify({ requests: all }, null, 2));
  else if (all.length === 0)
    output.out(
      `No open approval requests${name ? ` for ${name}` : ''}. A rollout run with --wait records one when its target needs approval.`,
    );
  else for (const r of all) output.out(describe(r).join('\n'));
  return EXIT.ok;
}

export async function runDecline(
  name: string,
  opts: CommonOptions & { target: string; reason: string; remote?: string; policyRev?: string },
  output: Output,
): Promise<number> {
  const { store, policy } = openDeployment(name, opts);
  const remote = remoteOption(opts);
  const result = await service(async () => {
    // The request and the rules are read as the remote has them, as every write does.
    if (remote) await fetchRecords(store, name, remote);
    const rules = await loadPolicy(store, name, policy, remote);
    return declineRequest(
      store,
      name,
      opts.target,
      { deployment: rules.deployment, allowedSigners: rules.allowedSigners },
      { reason: opts.reason, remote },
    );
  });
  const message = `Declined the approval request of ${result.view.request?.requested_by} for ${name} → ${opts.target}: ${result.decline.reason}`;
  if (opts.format === 'json') output.out(JSON.stringify({ ...result.decline, message }, null, 2));
  else output.out(`✓ ${message}`);
  return EXIT.ok;
}

export function registerRequests(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addPolicyRevOption(
      addRemoteOption(
        program
          .command('approvals')
          .description(
            'List open approval requests (recorded by `rollout --wait`), with what each asks to deploy, who may approve it, how many approvals count so far, and which are yours to approve.',
          )
          .argument('[deployment]', 'deployment name (default: every deployment with requests)')
          .option('--all', 'also list declined, expired and damaged requests'),
        true,
      ),
    ),
  ).action(async (name: string | undefined, opts) =>
    setExit(await runApprovals(name, opts, output)),
  );
  commonOptions(
    addPolicyRevOption(
      addRemoteOption(
        program
          .command('decline')
          .description(
            'Decline the open approval request of a target with a reason; the waiting rollout stops with exit 1 and prints it. For approval_method: review, only a listed approver may decline, and the decline is signed like an approval.',
          )
          .argument('<deployment>', 'deployment name')
          .requiredOption('--target <target>', 'target whose request to decline')
          .requiredOption('--reason <text>', 'why, shown to the requester'),
      ),
    ),
  ).action(async (name: string, opts) => setExit(await runDecline(name, opts, output)));
}
