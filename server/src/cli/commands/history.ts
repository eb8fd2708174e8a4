/** `history <deployment>`: recorded rollouts from the deployment tags, newest first. */
import type { Command } from 'commander';
import { fetchRecords, streamHistory, type HistoryEntry } from '../../rollout';
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
  if (opts.limit !== undefined && !/^\d+$/.test(opts.limit))
    throw new CliError(
      `--limit ${JSON.stringify(opts.limit)}: expected a whole number (0 for every record).`,
    );
  const limit = opts.limit === undefined ? DEFAULT_LIMIT : Number(opts.limit);
  const remote = remoteOption(opts);
  if (remote) await service(() => fetchRecords(store, name, remote));
  // One record past the limit is read to tell whether there are more; git stops right after.
  const entries = streamHistory(store, deployment, {
    target: opts.target,
    component: opts.component,
    limit: limit > 0 ? limit + 1 : undefined,
  });
  const json = opts.format === 'json';
  let shown = 0;
  let more = false;
  // JSON is laid out as JSON.stringify(…, null, 2) would, an entry at a time: the comma after an
  // entry is known only once the next one arrives, so each entry waits for the next.
  let pending: string | undefined;
  const head = `{\n  "deployment": ${JSON.stringify(name)},\n  "entries": `;
  // Lines are written some 16 KiB at a time: one write per record was a tenth of the time of
  // a hundred thousand records, and holding more keeps them past V8's young generation.
  const lines: string[] = [];
  let size = 0;
  const print = (line: string) => {
    lines.push(line);
    size += line.length;
    if (size < 16384) return;
    output.out(lines.join('\n'));
    lines.length = 0;
    size = 0;
  };
  await service(async () => {
    for await (const e of entries) {
      if (limit > 0 && shown === limit) {
        more = true;
        break;
      }
      // `history --limit 0 | head`: once the reader has gone, git is stopped too.
      if (output.outClosed?.()) break;
      if (json) {
        // Nothing is printed before the first entry, so a failure before it prints only the error.
        print(pending === undefined ? `${head}[` : `${pending},`);
        pending = indent(JSON.stringify(e, null, 2));
      } else print(entryLine(e));
      shown++;
    }
  });
  if (json) {
    const close = pending === undefined ? `${head}[]` : `${pending}\n  ]`;
    print(`${close}${more ? ',\n  "more": true' : ''}\n}`);
  }
  if (lines.length) output.out(lines.join('\n'));
  if (json) return EXIT.ok;
  if (shown === 0)
    output.err(`No recorded rollouts of ${name}${opts.target ? ` to ${opts.target}` : ''}.`);
  if (more)
    output.err(
      `Showing the newest ${limit}; older records exist: --limit <n> shows more, --limit 0 all.`,
    );
  return EXIT.ok;
}

/** How many records `history` shows when `--limit` is not given. */
export const DEFAULT_LIMIT = 50;

function indent(text: string): string {
  return `    ${text.replace(/\n/g, '\n    ')}`;
}

function entryLine(e: HistoryEntry): string {
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
  return parts.join('  ');
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
        .option('--limit <n>', `at most this many entries (default ${DEFAULT_LIMIT}; 0 for all)`),
      true,
    ),
  ).action(async (name: string, opts) => setExit(await runHistory(name, opts, output)));
}
