/** Options every command takes (design section 6): --cwd, --format, and the parse limits. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_LIMITS, type ParseLimits } from '../core';
import { CliError, EXIT } from './errors';

export interface CommonOptions {
  cwd: string;
  format: string;
  limits: ParseLimits;
}

export function commonOptions(cmd: Command, formats: string[] = ['text', 'json']): Command {
  return cmd
    .option('--cwd <dir>', 'run as if started in this folder', process.cwd())
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('text'))
    .option(
      '--max-file-size <bytes>',
      'skip checking files larger than this',
      String(DEFAULT_LIMITS.maxFileSize),
    )
    .hook('preAction', (_this, action) => {
      const o = action.opts();
      o.cwd = path.resolve(String(o.cwd));
      if (!statSync(o.cwd, { throwIfNoEntry: false })?.isDirectory()) {
        throw new CliError(`--cwd ${o.cwd} does not exist or is not a folder.`, EXIT.usage);
      }
      const max = Number(o.maxFileSize);
      o.limits = {
        ...DEFAULT_LIMITS,
        maxFileSize: Number.isFinite(max) && max > 0 ? max : DEFAULT_LIMITS.maxFileSize,
      };
    });
}
