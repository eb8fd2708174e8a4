/** Options every command takes (design section 6): --cwd, --format, and the parse limits. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_LIMITS, limitsFrom, type ParseLimits } from '../core';
import { CliError, EXIT } from './errors';

export interface CommonOptions {
  cwd: string;
  format: string;
  limits: ParseLimits;
}

const LIMIT_FLAGS: Array<[keyof ParseLimits, string]> = [
  ['maxFileSize', '--max-file-size'],
  ['maxAliasCount', '--max-alias-count'],
  ['maxDepth', '--max-depth'],
  ['maxNodes', '--max-nodes'],
];

/**
 * Commander checks required options before it looks for unknown ones, so a typo in a required
 * flag (`--taget prod`) was reported as `required option '--target <target>' not specified`,
 * which sends the user looking for a flag they believe they gave. The check moves to a preAction
 * hook, which commander runs after it has refused unknown options (with its "Did you mean"
 * suggestion) and checked the arguments; a flag that is really absent gets commander's own
 * message and exit 2, as before. Called by commonOptions, after a command declared its options.
 */
function requireOptionsAfterUnknownOnes(cmd: Command): Command {
  const required = cmd.options.filter((o) => o.mandatory);
  for (const o of required) o.makeOptionMandatory(false);
  if (!required.length) return cmd;
  return cmd.hook('preAction', (_this, action) => {
    for (const o of required) {
      if (action.getOptionValue(o.attributeName()) === undefined)
        action.error(`error: required option '${o.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
          exitCode: EXIT.usage,
        });
    }
  });
}

/** Adds the common options; call it last, once the command has declared its own. */
export function commonOptions(cmd: Command, formats: string[] = ['text', 'json']): Command {
  return requireOptionsAfterUnknownOnes(cmd)
    .option('--cwd <dir>', 'run as if started in this folder', process.cwd())
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('text'))
    .option(
      '--max-file-size <bytes>',
      'skip checking files larger than this',
      String(DEFAULT_LIMITS.maxFileSize),
    )
    .option(
      '--max-alias-count <n>',
      'most alias expansions a file may need',
      String(DEFAULT_LIMITS.maxAliasCount),
    )
    .option(
      '--max-depth <n>',
      'deepest nesting of mappings and lists',
      String(DEFAULT_LIMITS.maxDepth),
    )
    .option(
      '--max-nodes <n>',
      'most YAML nodes a file is checked with',
      String(DEFAULT_LIMITS.maxNodes),
    )
    .hook('preAction', (_this, action) => {
      const o = action.opts();
      o.cwd = path.resolve(String(o.cwd));
      if (!statSync(o.cwd, { throwIfNoEntry: false })?.isDirectory()) {
        throw new CliError(`--cwd ${o.cwd} does not exist or is not a folder.`, EXIT.usage);
      }
      for (const [key, flag] of LIMIT_FLAGS) {
        const n = Number(o[key]);
        if (!Number.isInteger(n) || n < 1) {
          throw new CliError(
            `${flag} must be a whole number of 1 or more, not '${String(o[key])}'.`,
            EXIT.usage,
          );
        }
      }
      o.limits = limitsFrom(o);
    });
}
