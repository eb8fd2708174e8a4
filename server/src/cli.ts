/**
 * `atmos-deployments`: the CLI on the same engine as the editor. Commands register themselves
 * from server/src/cli/commands; this file maps every outcome to the documented exit codes
 * (0 ok, 1 refused, 2 usage or I/O, 3 approval missing), prints a failure as one JSON object
 * on stdout when --format json is in effect, and never prints a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { registerApprove } from './cli/commands/approve';
import { registerHistory } from './cli/commands/history';
import { registerPromotionGraph } from './cli/commands/promotion-graph';
import { registerPromotionStatus } from './cli/commands/promotion-status';
import { registerRollback } from './cli/commands/rollback';
import { registerClaims } from './cli/commands/claims';
import { registerRequests } from './cli/commands/requests';
import { registerRetire } from './cli/commands/retire';
import { registerRollout } from './cli/commands/rollout';
import { registerValidate } from './cli/commands/validate';
import { registerVerify } from './cli/commands/verify';
import { CliError, EXIT, jsonError, type ErrorKind, type FailureExit } from './cli/errors';
import { printJson, stdio, type Output } from './cli/output';
import { isCheckWorker, runCheckWorker } from './cli/validate-workers';

declare const ATMOS_VERSION: string | undefined;
const VERSION = typeof ATMOS_VERSION === 'string' ? ATMOS_VERSION : '0.0.0-dev';

export async function main(argv: string[], output: Output = stdio): Promise<number> {
  let exit: number = EXIT.ok;
  const setExit = (code: number) => {
    exit = code;
  };
  // The parsed --format, known once commander has read the command's options without error.
  let format: string | undefined;
  const program = new Command('atmos-deployments')
    .description(
      'Validate Atmos deployment files and promote deployments between targets, recorded in git.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Commander's default, stated because a typo in a flag relies on it: "(Did you mean --target?)".
    .showSuggestionAfterError()
    // Subcommands created after these calls inherit them: usage errors become exit 2, not 1.
    .exitOverride()
    .configureOutput({ writeOut: (s) => output.out(s), writeErr: (s) => output.err(s) })
    // A program hook runs before the command's own hooks, so failures in those (a missing
    // required option, a --cwd that is not a folder) already know the format.
    .hook('preAction', (_this, action) => {
      format = String(action.opts().format);
    });
  registerValidate(program, output, VERSION, setExit);
  registerPromotionGraph(program, output, setExit);
  registerPromotionStatus(program, output, setExit);
  registerRollout(program, output, setExit);
  registerApprove(program, output, setExit);
  registerRequests(program, output, setExit);
  registerClaims(program, output, setExit);
  registerRetire(program, output, setExit);
  registerHistory(program, output, setExit);
  registerRollback(program, output, setExit);
  registerVerify(program, output, VERSION, setExit);
  /**
   * Every failure reaches stderr as a message; with --format json it also reaches stdout as one
   * error object, so a script piping into `jq` reads why instead of empty input.
   */
  const fail = (kind: ErrorKind, message: string, exitCode: FailureExit): number => {
    if ((format ?? formatInArgv(argv)) === 'json')
      printJson(output, jsonError(kind, message, exitCode));
    return exitCode;
  };
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.ok;
      // Commander has written the message to stderr already.
      return fail('usage', err.message.replace(/^error: /, ''), EXIT.usage);
    }
    if (err instanceof CliError) {
      output.err(`error: ${err.message}`);
      return fail(err.kind, err.message, err.exitCode);
    }
    const message = err instanceof Error ? err.message : String(err);
    output.err(`error: ${message}`);
    if (process.env.ATMOS_DEBUG) output.err(err instanceof Error ? (err.stack ?? '') : '');
    return fail('usage', message, EXIT.usage);
  }
}

/**
 * The last --format value on the command line, for usage errors commander raises before it has
 * parsed the options (an unknown option, a missing argument), when the parsed value is not known.
 */
function formatInArgv(argv: string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg === '--format') found = argv[++i];
    else if (arg.startsWith('--format=')) found = arg.slice('--format='.length);
  }
  return found;
}

// The same bundle runs in `validate`'s worker threads, where it checks files instead.
if (isCheckWorker()) runCheckWorker();
else if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`error: ${String(err)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
