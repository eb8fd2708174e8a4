/** `validate [paths...]`: every problem, as the editor shows it, in text, JSON or SARIF. */
import type { Command } from 'commander';
import path from 'node:path';
import { validateFile, type Problem, type RecordedComponents } from '../../core';
import { openGitStore, readRecordedComponents } from '../../rollout';
import { allowedSignersFor } from '../../rollout/signers-file';
import { expandPaths } from '../discover';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { isUnchecked, loadFile, loadWorkspace, relativeName } from '../workspace';
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
  try {
    return await readRecordedComponents(openGitStore(cwd));
  } catch {
    return undefined;
  }
}

export async function runValidate(
  paths: string[],
  opts: CommonOptions & { format: string },
  output: Output,
  version: string,
): Promise<number> {
  const { cwd, limits } = opts;
  const ws = loadWorkspace(cwd, limits);
  let files = ws.index.all();
  let unchecked = ws.unchecked;
  if (paths.length) {
    const { files: found, unchecked: unreachable, missing } = expandPaths(cwd, paths);
    if (missing.length)
      throw new CliError(`No such file or directory: ${missing.join(', ')}`, EXIT.usage);
    unchecked = [...unreachable];
    files = [];
    for (const f of found) {
      const loaded = loadFile(cwd, f, limits);
      if (isUnchecked(loaded)) unchecked.push(loaded);
      else files.push(ws.index.get(loaded.file) ?? loaded);
    }
    for (const f of files) {
      if (!f.isDeployment)
        output.err(
          `${f.file}: skipped, not a deployment file (its top-level key is not 'deployment:').`,
        );
    }
    files = files.filter((f) => f.isDeployment);
  }
  const recorded = await recordedHere(cwd);
  // Each file is judged with the allowed-signers file of the repository it is in.
  const problems: Problem[] = files.flatMap((f) =>
    validateFile(f, {
      workspace: ws.index,
      allowedSigners: allowedSignersFor(path.resolve(cwd, f.file)),
      recorded: f.deployment?.name ? recorded?.get(f.deployment.name.value) : undefined,
    }),
  );
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
      .argument('[paths...]', 'files or folders to check'),
    ['text', 'json', 'sarif'],
  ).action(async (paths: string[], opts) =>
    setExit(await runValidate(paths, opts, output, version)),
  );
}
