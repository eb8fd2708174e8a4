/**
 * `atmos-deployments`: the CLI on the same engine as the editor. Commands register themselves
 * from server/src/cli/commands; this file maps every outcome to the documented exit codes
 * (0 ok, 1 refused, 2 usage or I/O, 3 approval missing) and never prints a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { registerApprove } from './cli/commands/approve';
import { registerHistory } from './cli/commands/history';
import { registerPromotionGraph } from './cli/commands/promotion-graph';
import { registerPromotionStatus } from './cli/commands/promotion-status';
import { registerRollback } from './cli/commands/rollback';
import { registerRollout } from './cli/commands/rollout';
import { registerValidate } from './cli/commands/validate';
import { CliError, EXIT } from './cli/errors';
import { stdio, type Output } from './cli/output';

declare const ATMOS_VERSION: string | undefined;
const VERSION = typeof ATMOS_VERSION === 'string' ? ATMOS_VERSION : '0.0.0-dev';

export async function main(argv: string[], output: Output = stdio): Promise<number> {
  let exit: number = EXIT.ok;
  const setExit = (code: number) => {
    exit = code;
  };
  const program = new Command('atmos-deployments')
    .description(
      'Validate Atmos deployment files and promote deployments between targets, recorded in git.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Subcommands created after these calls inherit them: usage errors become exit 2, not 1.
    .exitOverride()
    .configureOutput({ writeOut: (s) => output.out(s), writeErr: (s) => output.err(s) });
  registerValidate(program, output, VERSION, setExit);
  registerPromotionGraph(program, output, setExit);
  registerPromotionStatus(program, output, setExit);
  registerRollout(program, output, setExit);
  registerApprove(program, output, setExit);
  registerHistory(program, output, setExit);
  registerRollback(program, output, setExit);
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
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      output.err(`error: ${err.message}`);
      return err.exitCode;
    }
    output.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.ATMOS_DEBUG) output.err(err instanceof Error ? (err.stack ?? '') : '');
    return EXIT.usage;
  }
}

if (require.main === module) {
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
