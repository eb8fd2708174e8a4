/** Exit codes (design section 6) and the one error type commands throw to reach them. */
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

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.usage,
  ) {
    super(message);
  }
}
