/** `validate [paths...]`: every problem, as the editor shows it, in text, JSON or SARIF. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Problem, RecordedComponents } from '../../core';
import { openGitStore, readRecordedComponents } from '../../rollout';
import { discoverDeploymentFiles, expandPaths, type Unchecked } from '../discover';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { relativeName } from '../workspace';
import { withCrossFileRules, type CheckTask } from '../validate-check';
import { checkAll, workerCount } from '../validate-workers';
import { toSarif } from '../sarif';
import { commonOptions, type CommonOptions } from '../options';

export interface ValidateJson {
  files: number;
  diagnostics: Array<{
    file: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    severity: string;
    code: string;
    message: string;
  }>;
  /**
   * Paths that should have been checked and were not (a FIFO, an unreadable file or folder, a
   * dangling link, ...), each with its reason. Not empty means the run exits 2.
   */
  unchecked: Array<{ file: string; reason: string }>;
}

/**
 * The components git has recorded in the repository at `cwd` (for
 * `recorded-component-conflict`), or undefined outside a repository or without git: validate
 * checks files and must work where there are no records at all.
 */
async function recordedHere(cwd: string): Promise<Map<string, RecordedComponents> | undefined> {
  if (!mayBeInRepository(cwd)) return undefined;
  try {
    return await readRecordedComponents(openGitStore(cwd));
  } catch {
    return undefined;
  }
}

/**
 * False only when git could not find a repository at `cwd`: no `.git` in it or any folder
 * above, nothing there laid out as a bare repository, and no GIT_DIR. Starting git to learn
 * that cost about 50 ms of every run outside a repository, before the first file was read.
 * Anything that might be a repository is left to git to decide.
 */
function mayBeInRepository(cwd: string): boolean {
  if (process.env.GIT_DIR) return true;
  let dir = path.resolve(cwd);
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return true;
    if (['HEAD', 'objects', 'refs'].every((n) => existsSync(path.join(dir, n)))) return true;
    const up = path.dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

export async function runValidate(
  paths: string[],
  opts: CommonOptions & { format: string; jobs?: string },
  output: Output,
  version: string,
): Promise<number> {
  const { cwd, limits } = opts;
  // git lists the records while the folders are walked; the checks need them, so they wait.
  const recording = recordedHere(cwd);
  const found = discoverDeploymentFiles(cwd);
  // Every file under --cwd is read, for the cross-file rule; those reported are, without paths,
  // every deployment file in the order found, and with paths, the named files in their order.
  const tasks: CheckTask[] = found.files.map((f) => ({
    found: f,
    report: paths.length === 0,
    inWorkspace: true,
  }));
  let reported: number[] | undefined;
  let unchecked: Unchecked[] = [];
  if (paths.length) {
    const { files: named, unchecked: unreachable, missing } = expandPaths(cwd, paths);
    if (missing.length)
      throw new CliError(`No such file or directory: ${missing.join(', ')}`, EXIT.usage);
    unchecked = [...unreachable];
    const byAbs = new Map(found.files.map((f, i) => [f.abs, i]));
    reported = named.map((f) => {
      const i = byAbs.get(f.abs) ?? tasks.push({ found: f, report: true, inWorkspace: false }) - 1;
      tasks[i].report = true;
      return i;
    });
  }
  const recorded = await recording;
  const checkOpts = { cwd, limits, recorded };
  const jobs = opts.jobs === undefined ? undefined : Number(opts.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1))
    throw new CliError(`--jobs must be a whole number from 1 up, not '${opts.jobs}'.`, EXIT.usage);
  const results = await checkAll(tasks, checkOpts, workerCount(tasks.length, jobs));
  const { problems: full } = withCrossFileRules(tasks, results, checkOpts);
  if (!reported) {
    reported = [];
    results.forEach((r, i) => {
      if (r.kind === 'file') {
        if (r.isDeployment) reported!.push(i);
      } else if (existsSync(tasks[i].found.fsPath)) unchecked.push(r);
      // A file found by the walk and gone by the read (another process cleaning up, a checkout
      // in progress) is simply not part of the workspace, so it is not reported either.
    });
    unchecked = [...found.unchecked, ...unchecked];
  } else {
    const kept: number[] = [];
    for (const i of reported) {
      const r = results[i];
      if (r.kind === 'unreadable') unchecked.push(r);
      else if (!r.isDeployment)
        output.err(
          `${r.file}: skipped, not a deployment file (its top-level key is not 'deployment:').`,
        );
      else kept.push(i);
    }
    reported = kept;
  }
  const files = reported;
  const problems: Problem[] = files.flatMap((i) => full.get(i) ?? []);
  const skipped = unchecked.map((u) => ({ file: relativeName(cwd, u.abs), reason: u.reason }));
  if (opts.format === 'json') {
    const json: ValidateJson = {
      files: files.length,
      diagnostics: problems.map((p) => ({
        file: p.file,
        line: p.range.start.line + 1,
        column: p.range.start.character + 1,
        endLine: p.range.end.line + 1,
        endColumn: p.range.end.character + 1,
        severity: p.severity,
        code: p.code,
        message: p.message,
      })),
      unchecked: skipped,
    };
    output.out(JSON.stringify(json, null, 2));
  } else if (opts.format === 'sarif') {
    output.out(JSON.stringify(toSarif(problems, version, skipped), null, 2));
  }
  // Every format says on stderr what was not checked, so a person reading a CI log sees why the
  // run failed even when stdout goes to a file.
  for (const u of skipped) output.err(`${u.file}: not checked: ${u.reason}.`);
  if (opts.format === 'text') {
    for (const p of problems)
      output.out(
        `${p.file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity} ${p.code} ${p.message}`,
      );
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    const notChecked = skipped.length ? `; ${skipped.length} not checked` : '';
    if (files.length === 0 && !skipped.length)
      output.err(
        `No deployment files found under ${cwd} (looked for deployments/*.yaml with a top-level 'deployment:' key).`,
      );
    else
      output.err(
        `${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${notChecked}.`,
      );
  }
  // A file that could not be checked fails the run even when every checked file is clean: a CI
  // gate must never pass by skipping (issue 16, class 5).
  if (skipped.length) return EXIT.usage;
  return problems.some((p) => p.severity === 'error') ? EXIT.refused : EXIT.ok;
}

export function registerValidate(
  program: Command,
  output: Output,
  version: string,
  setExit: (code: number) => void,
): void {
  commonOptions(
    program
      .command('validate')
      .description(
        'Check deployment files: schema, names, promotion rules (from/allowed_from, missing sources, cycles). Without paths, every deployment file under --cwd. With paths, only those are reported, but the other deployment files under --cwd are still read, so that a deployment declared in two files is found.',
      )
      .argument('[paths...]', 'files or folders to check')
      .option(
        '--jobs <n>',
        'threads that read and check files (default: one per free core for large workspaces; 1: no worker threads)',
      ),
    ['text', 'json', 'sarif'],
  ).action(async (paths: string[], opts) =>
    setExit(await runValidate(paths, opts, output, version)),
  );
}
