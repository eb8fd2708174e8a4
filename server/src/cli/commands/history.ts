/** `history <deployment>`: recorded rollouts from the deployment tags, newest first. */
import type { Command } from 'commander';
import {
  fetchRecords,
  openGitStore,
  recordedNames,
  recordedTargets,
  streamHistoryPages,
  type GitStore,
  type HistoryEntry,
} from '../../rollout';
import {
  componentNames,
  didYouMean,
  displayName,
  knownTargetsText,
  targetNames,
  type Deployment,
} from '../../core';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import { addRemoteOption, openDeployment, remoteOption, service } from './rollout';

/**
 * The deployment and the store for a history. A deployment that is no longer in any deployment
 * file still has its records: its history is read by name then, with a note that says so. The
 * records are fetched first with a remote, so the check sees what the team recorded.
 */
async function openForHistory(
  name: string,
  opts: HistoryCliOptions,
  remote: string | undefined,
  output: Output,
): Promise<{ deployment?: Deployment; store: GitStore }> {
  try {
    const opened = openDeployment(name, opts);
    if (remote) await service(() => fetchRecords(opened.store, name, remote));
    return opened;
  } catch (err) {
    if (!(err instanceof CliError && /^Unknown deployment /.test(err.message))) throw err;
    const store = openGitStore(opts.cwd);
    if (remote) await service(() => fetchRecords(store, name, remote));
    const recorded = await service(() => recordedTargets(store, name));
    if (recorded.length === 0) throw err;
    output.err(
      `${displayName(name)} is not in any deployment file here; showing its recorded history (targets ${recorded.map(displayName).join(', ')}).`,
    );
    return { store };
  }
}

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
  const remote = remoteOption(opts);
  const { deployment, store } = await openForHistory(name, opts, remote, output);
  // A typo in a filter would otherwise read as "nothing recorded", which is a different fact;
  // a target removed from the file still has its records, and they are still history.
  if (opts.target !== undefined && !(deployment && targetNames(deployment).includes(opts.target))) {
    const recorded = await service(() => recordedTargets(store, name));
    if (!recorded.includes(opts.target))
      throw new CliError(
        deployment
          ? `Unknown target '${displayName(opts.target)}' in deployment ${displayName(name)}.${didYouMean(deployment, opts.target)} ${knownTargetsText(deployment)}`
          : `No records of target '${displayName(opts.target)}' in deployment ${displayName(name)}. Recorded targets: ${recorded.map(displayName).join(', ')}.`,
      );
    if (deployment)
      output.err(
        `Target '${displayName(opts.target)}' is no longer in the deployment file of ${displayName(name)}; showing its recorded history.`,
      );
  }
  const components = deployment ? componentNames(deployment) : [];
  // A component renamed or retired keeps its records, as a removed target does.
  if (
    opts.component !== undefined &&
    components.length &&
    !components.includes(opts.component) &&
    (await service(() => recordedNames(store, name))).components.includes(opts.component)
  )
    output.err(
      `Component '${displayName(opts.component)}' is no longer in the deployment file of ${displayName(name)}; showing its recorded history.`,
    );
  else if (
    opts.component !== undefined &&
    components.length &&
    !components.includes(opts.component)
  )
    throw new CliError(
      `Unknown component '${displayName(opts.component)}' in deployment ${displayName(name)}. Known components: ${components.map(displayName).join(', ')}.`,
    );
  if (opts.limit !== undefined && !/^\d+$/.test(opts.limit))
    throw new CliError(
      `--limit ${JSON.stringify(opts.limit)}: expected a whole number (0 for every record).`,
    );
  const limit = opts.limit === undefined ? DEFAULT_LIMIT : Number(opts.limit);
  // One record past the limit is read to tell whether there are more; git stops right after.
  const pages = streamHistoryPages(store, deployment ?? name, {
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
    // Leaving the outer loop ends the stream and, with it, git.
    pages: for await (const page of pages) {
      for (const e of page) {
        if (limit > 0 && shown === limit) {
          more = true;
          break pages;
        }
        // `history --limit 0 | head`: once the reader has gone, git is stopped too.
        if (output.outClosed?.()) break pages;
        if (json) {
          // Nothing is printed before the first entry, so a failure before it prints only the
          // error.
          print(pending === undefined ? `${head}[` : `${pending},`);
          pending = indent(JSON.stringify(e, null, 2));
        } else print(entryLine(e));
        shown++;
      }
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

/** One entry as a line of fields two spaces apart, built by concatenation (no array per line). */
function entryLine(e: HistoryEntry): string {
  let line = `${e.timestamp}  ${e.target}/${e.component}  ${e.gitSha.slice(0, 9)}  ${e.status}`;
  if (e.promotedFrom) line += `  from ${e.promotedFrom}`;
  if (e.rollbackOf) line += `  rollback of ${e.rollbackOf}`;
  if (e.deployedBy) line += `  by ${e.deployedBy}`;
  if (e.approver)
    line += `  approved by ${e.approver}${e.approvalRecordedBy ? ` (recorded by ${e.approvalRecordedBy})` : ''}`;
  else if (e.unbackedApprover)
    line += `  names approver ${e.unbackedApprover}, but no recorded approval backs it`;
  return line;
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
