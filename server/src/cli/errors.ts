/** Exit codes (design section 6) and the one error type commands throw to reach them. */
import type { RolloutErrorKind } from '../rollout';

export const EXIT = {
  ok: 0,
  /** Validation found errors, or a promotion was refused. */
  refused: 1,
  /** Bad usage, or an I/O problem (missing path, not a git repository). */
  usage: 2,
  /** A promotion needs an approval that is not there. */
  approvalMissing: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
/** The exit codes of a failure. */
export type FailureExit = Exclude<ExitCode, 0>;

/**
 * What kind of failure an error is, for scripts reading `--format json`. The CLI uses the
 * rollout service's kinds so that one word means the same thing in the CLI, in the language
 * server's `data.kind` and in the service itself.
 */
export type ErrorKind = RolloutErrorKind;

const KIND_OF_EXIT: Record<FailureExit, ErrorKind> = {
  1: 'refused',
  2: 'usage',
  3: 'approval-missing',
};

export class CliError extends Error {
  readonly kind: ErrorKind;

  constructor(
    message: string,
    readonly exitCode: FailureExit = EXIT.usage,
    kind?: ErrorKind,
  ) {
    super(message);
    this.kind = kind ?? KIND_OF_EXIT[exitCode];
  }
}

/**
 * The object `--format json` prints on stdout when a command fails, so that a script piping the
 * output into `jq` reads the failure instead of empty input. `message` is the one stderr shows,
 * without its `error: ` prefix.
 */
export interface JsonError {
  error: { code: JsonErrorCode; message: string; exitCode: FailureExit };
}

/**
 * An error kind, or `deploy-failed`: a rollout whose `--exec` command failed is not an error the
 * service throws but a result it returns, and scripts need to tell it from a refusal.
 */
export type JsonErrorCode = ErrorKind | 'deploy-failed';

export function jsonError(kind: JsonErrorCode, message: string, exitCode: FailureExit): JsonError {
  return { error: { code: kind, message, exitCode } };
}
