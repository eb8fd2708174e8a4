/**
 * The work of `validate`: read, parse and check every file, without keeping the parses. Each
 * file is checked with every rule but the cross-file one (`duplicate-deployment`) as it is
 * read, and only its summary (its deployment's name) and its problems are kept. Once every file
 * is read, the few files whose deployment name is also declared elsewhere are read and checked
 * again with the whole workspace's summaries; for every other file the cross-file rule finds
 * nothing, so the first check is already the full answer. Holding all 5,000 syntax trees of a
 * large workspace until the end cost about a quarter of the run in garbage collection.
 *
 * The reading and checking can be spread over worker threads (`validate-workers.ts`); the
 * results are put back in file order, so the output is the same whatever the number of workers.
 */
import path from 'node:path';
import {
  summarize,
  validateFile,
  WorkspaceIndex,
  type DeploymentFile,
  type IndexedFile,
  type ParseLimits,
  type Problem,
  type RecordedComponents,
} from '../core';
import { allowedSignersFor } from '../rollout/signers-file';
import type { FoundFile } from './discover';
import { isUnchecked, loadFile } from './workspace';

/** One file to read: whether it is reported, and whether it is part of the workspace index. */
export interface CheckTask {
  found: FoundFile;
  /** Its problems are printed (a path given on the command line, or every file without any). */
  report: boolean;
  /** It is one of the files under --cwd, which the cross-file rule compares with. */
  inWorkspace: boolean;
}

export type CheckResult =
  | { kind: 'unreadable'; abs: string; reason: string }
  | {
      kind: 'file';
      file: string;
      isDeployment: boolean;
      summary: IndexedFile;
      /** Problems without the cross-file rule; only for reported deployment files. */
      problems?: Problem[];
    };

export interface CheckOptions {
  cwd: string;
  limits: ParseLimits;
  recorded?: Map<string, RecordedComponents>;
}

/** The options every check of a file is given, read by the caller (the core reads no files). */
export function validateOptions(
  file: DeploymentFile,
  opts: CheckOptions,
  workspace?: WorkspaceIndex<IndexedFile>,
) {
  return {
    workspace,
    // Each file is judged with the allowed-signers file of the repository it is in.
    allowedSigners: signersOf(opts.cwd, file.file),
    recorded: file.deployment?.name ? opts.recorded?.get(file.deployment.name.value) : undefined,
  };
}

/**
 * The allowed-signers file for a folder's files, looked up once per folder: finding the
 * repository top checks every folder above for `.git`, which cost a twentieth of a run over
 * thousands of files when done per file. One run of the CLI sees one state of the disk.
 */
const signersByFolder = new Map<string, ReturnType<typeof allowedSignersFor>>();
function signersIn(folder: string): ReturnType<typeof allowedSignersFor> {
  if (!signersByFolder.has(folder)) signersByFolder.set(folder, allowedSignersFor(folder));
  return signersByFolder.get(folder);
}

/**
 * `signersIn` for the folder of a file named relative to `cwd`, looked up by that name's
 * folder so that most files cost one map look-up rather than resolving their path:
 * `resolve(cwd, dirname(name))` is the folder `dirname(resolve(cwd, name))` names.
 */
const signersByName = new Map<string, ReturnType<typeof allowedSignersFor>>();
function signersOf(cwd: string, fileName: string): ReturnType<typeof allowedSignersFor> {
  const key = `${cwd}\u0000${path.dirname(fileName)}`;
  if (!signersByName.has(key))
    signersByName.set(key, signersIn(path.resolve(cwd, path.dirname(fileName))));
  return signersByName.get(key);
}

/** Reads, parses and checks one file without the cross-file rule; the parse is not kept. */
export function checkOne(task: CheckTask, opts: CheckOptions): CheckResult {
  const loaded = loadFile(opts.cwd, task.found, opts.limits);
  if (isUnchecked(loaded)) return { kind: 'unreadable', abs: loaded.abs, reason: loaded.reason };
  return {
    kind: 'file',
    file: loaded.file,
    isDeployment: loaded.isDeployment,
    summary: summarize(loaded),
    problems:
      task.report && loaded.isDeployment
        ? validateFile(loaded, validateOptions(loaded, opts))
        : undefined,
  };
}

/**
 * The second step: the workspace index from the summaries, and the full problems of a reported
 * file whose deployment name another file declares too (read and checked again, with the index).
 */
export function withCrossFileRules(
  tasks: CheckTask[],
  results: CheckResult[],
  opts: CheckOptions,
): { index: WorkspaceIndex<IndexedFile>; problems: Map<number, Problem[]> } {
  const index = new WorkspaceIndex<IndexedFile>();
  results.forEach((r, i) => {
    if (tasks[i].inWorkspace && r.kind === 'file' && r.isDeployment) index.set(r.summary);
  });
  const problems = new Map<number, Problem[]>();
  results.forEach((r, i) => {
    if (r.kind !== 'file' || !r.problems) return;
    const name = r.summary.deployment?.name?.value;
    const shared = name !== undefined && index.filesFor(name).some((f) => f.file !== r.file);
    if (!shared) {
      problems.set(i, r.problems);
      return;
    }
    const again = loadFile(opts.cwd, tasks[i].found, opts.limits);
    // Gone or changed between the two reads: the first check is what there is to say.
    problems.set(
      i,
      isUnchecked(again) || !again.isDeployment
        ? r.problems
        : validateFile(again, validateOptions(again, opts, index)),
    );
  });
  return { index, problems };
}
