/**
 * The one error type of the rollout service. Its `kind` maps to the CLI's documented exit codes
 * (design section 6), and the language server shows `message` as it is: every message says what
 * happened and what to do next.
 */
export type RolloutErrorKind =
  /** The promotion rules refuse it, or a concurrent rollout won (exit 1). */
  | 'refused'
  /** Bad input or an environment problem: unknown names, not a repository, I/O (exit 2). */
  | 'usage'
  /** The target requires an approval that is not recorded (exit 3). */
  | 'approval-missing'
  /** Someone else changed the same records first, locally or on the remote (exit 1). */
  | 'conflict'
  /** The caller (an editor's request) cancelled before anything was written (exit 2). */
  | 'cancelled';

export const EXIT_CODE: Record<RolloutErrorKind, 1 | 2 | 3> = {
  refused: 1,
  usage: 2,
  'approval-missing': 3,
  conflict: 1,
  cancelled: 2,
};

/**
 * A refusal that a client can act on beyond showing the message: `uncommitted-policy` (the
 * deployment file differs from the committed rules; an editor offers to open its changes),
 * `no-commits` (the repository has no commit to roll out) and `not-a-repo` (the folder is not
 * in a git repository); for the last two an editor says what to do in its own words, since the
 * message names the CLI's flags.
 */
export type RolloutErrorReason = 'uncommitted-policy' | 'no-commits' | 'not-a-repo';

export class RolloutError extends Error {
  constructor(
    readonly kind: RolloutErrorKind,
    message: string,
    /** git's own output or other detail worth showing with --verbose or in a log. */
    readonly detail?: string,
    readonly reason?: RolloutErrorReason,
  ) {
    super(message);
  }

  get exitCode(): 1 | 2 | 3 {
    return EXIT_CODE[this.kind];
  }
}

/**
 * A conflict that only means another writer moved the same ref first (a local compare-and-swap
 * or a push with a lease lost): nothing of this operation was written, and running it again
 * from the new state is what the user would do. `rollout/retry.ts` does that itself where it
 * is safe.
 */
export class LostRace extends RolloutError {
  constructor(message: string, detail?: string) {
    super('conflict', message, detail);
  }
}
