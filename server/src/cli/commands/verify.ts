/**
 * `verify [<deployment>...]`: replays the deployment records and reports every finding (design
 * section 11); exit 1 on any finding, 0 when clean. With `--pre-receive` it is a git server
 * hook: it reads `<old> <new> <ref>` lines on stdin, judges only what the push adds, and its
 * exit code accepts or rejects the push. This file parses flags, calls and prints; the
 * decisions are the core's.
 */
import type { Command } from 'commander';
import { invalidNameMessage, nameProblem, VERIFY_CODES, type VerifyFinding } from '../../core';
import { openGitStore, parsePushLines, verifyRecords, type VerifyResult } from '../../rollout';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { commonOptions, type CommonOptions } from '../options';
import { addRemoteOption, remoteOption, service } from './rollout';

export interface VerifyCliOptions extends CommonOptions {
  since?: string;
  preReceive?: boolean;
  remote?: string;
  policyRev?: string;
}

/** Reads all of stdin (the hook's push lines). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A time (`2025-01-22T12:00:00Z`, a tag stamp, a date) or a revision whose commit time counts. */
async function sinceTime(value: string, store: ReturnType<typeof openGitStore>): Promise<number> {
  const stamp = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z$/.exec(value);
  const asTime = Date.parse(stamp ? `${stamp[1]}T${stamp[2]}:${stamp[3]}:${stamp[4]}Z` : value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(asTime)) return asTime;
  const fromRev = await service(() => store.commitTime(value));
  if (fromRev === undefined)
    throw new CliError(
      `--since ${JSON.stringify(value)} is neither a time (such as 2025-01-22T12:00:00Z) nor a revision of this repository.`,
      EXIT.usage,
    );
  return fromRev;
}

function toSarif(findings: VerifyFinding[], version: string): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'atmos-deployments verify',
            version,
            informationUri: 'https://atmos.tools',
            rules: VERIFY_CODES.map((id) => ({ id, shortDescription: { text: id } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.code,
          level: 'error',
          message: { text: `${f.ref}: ${f.message}` },
          locations: [{ logicalLocations: [{ fullyQualifiedName: f.ref, kind: 'git-ref' }] }],
        })),
      },
    ],
  };
}

function summary(r: VerifyResult): string {
  const c = r.checked;
  const n = r.findings.length;
  return `${n === 0 ? 'verify: clean' : `verify: ${n} finding${n === 1 ? '' : 's'}`} (${c.records} records in ${c.rollouts} rollouts, ${c.tags} tags, ${c.refs} refs, ${c.notes} notes refs, ${c.indexes} indexes, ${c.policies} policy commits)`;
}

export async function runVerify(
  names: string[],
  opts: VerifyCliOptions,
  output: Output,
  version: string,
): Promise<number> {
  for (const name of names) {
    const why = nameProblem('deployment', name);
    if (why) throw new CliError(invalidNameMessage('deployment', name, why), EXIT.usage);
  }
  if (opts.preReceive && (names.length || opts.remote))
    throw new CliError(
      '--pre-receive judges what a push adds; it takes no deployment names and no --remote.',
      EXIT.usage,
    );
  const store = openGitStore(opts.cwd);
  const since = opts.since !== undefined ? await sinceTime(opts.since, store) : undefined;
  const pushed = opts.preReceive ? parsePushLines(await readStdin()) : undefined;
  const result = await service(() =>
    verifyRecords(store, {
      deployments: names,
      since,
      policyRev: opts.policyRev,
      remote: opts.preReceive ? undefined : remoteOption(opts),
      pushed,
    }),
  );
  const failed = result.findings.length > 0;
  if (opts.preReceive) {
    // git shows a hook's stderr to the pusher as `remote: ...` lines.
    for (const f of result.findings) output.err(`${f.ref}: ${f.code} ${f.message}`);
    if (failed)
      output.err(
        `atmos-deployments: push rejected: it adds ${result.findings.length} deployment record finding${result.findings.length === 1 ? '' : 's'} (see above); nothing was changed.`,
      );
    return failed ? EXIT.refused : EXIT.ok;
  }
  if (opts.format === 'json')
    output.out(
      JSON.stringify(
        {
          findings: result.findings,
          checked: result.checked,
          policy_sha: result.policyTip ?? null,
          git_processes: result.gitProcesses,
        },
        null,
        2,
      ),
    );
  else if (opts.format === 'sarif')
    output.out(JSON.stringify(toSarif(result.findings, version), null, 2));
  else {
    for (const f of result.findings) output.out(`${f.ref}: ${f.code} ${f.message}`);
    output.out(summary(result));
  }
  return failed ? EXIT.refused : EXIT.ok;
}

export function registerVerify(
  program: Command,
  output: Output,
  version: string,
  setExit: (code: number) => void,
): void {
  commonOptions(
    addRemoteOption(
      program
        .command('verify')
        .description(
          'Replay the deployment records and report every one that breaks the rules (exit 1 on any finding).',
        )
        .argument('[deployments...]', 'only these deployments (default: all)')
        .option('--since <rev|time>', 'report only records from this time (or commit) on')
        .option('--policy-rev <rev>', 'the revision holding the team rules (default: HEAD)')
        .option(
          '--pre-receive',
          "run as git's pre-receive hook: read '<old> <new> <ref>' lines on stdin, reject a push that adds a record breaking the rules",
        ),
      true,
    ),
    ['text', 'json', 'sarif'],
  ).action(async (names: string[], opts) =>
    setExit(await runVerify(names, opts as VerifyCliOptions, output, version)),
  );
}
