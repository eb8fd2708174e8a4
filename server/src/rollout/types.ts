/**
 * Inputs and results of the rollout service. They are shaped like the language server's custom
 * requests (server/src/protocol/requests.ts) so that a request handler can pass its params in
 * and return the result as it is; the CLI prints the same objects as text or JSON.
 */
import type { Approval, DeployedState, RecordStatus } from '../core';

/**
 * The deployment file a write follows, as the caller holds it. The rules are read from the
 * committed file at the policy revision; this copy must be that text (design section 11).
 */
export interface PolicySource {
  /** Absolute path of the deployment file in the working tree. */
  file: string;
  /** The text the caller acts on: the file on disk (CLI) or the editor's buffer (server). */
  text: string;
  /** `--policy-rev` / `atmosDeployments.policyRev`; default HEAD, or the remote's default branch. */
  rev?: string;
}

/** What to roll out. Names are checked with the core's `nameProblem` before git sees them. */
export interface RolloutOptions {
  target: string;
  /** Source target whose deployed SHAs are copied; required for targets with promotion rules. */
  promoteFrom?: string;
  /** Commit for targets without source rules; defaults to HEAD. */
  gitSha?: string;
  /** Limit to these components; all declared components when absent. */
  components?: string[];
  /** Record the rollout even when the target already runs these SHAs. */
  redeploy?: boolean;
  /** Time of the rollout; tests pin it, everyone else leaves it to the clock. */
  now?: Date;
  /**
   * The deployment file to read committed rules from. A plan without it uses the rules it is
   * given (a preview); every write requires it.
   */
  policy?: PolicySource;
}

export interface PlannedComponent {
  component: string;
  /** The SHA to deploy. */
  sha: string;
  /** What the target runs now, when anything. */
  currentSha?: string;
  /** For a rollback: the tag whose SHA is being put back. */
  rollbackOf?: string;
}

export interface ReviewState {
  approvers: string[];
  needed: number;
  /** `1 of 2 approvals: alice@example.com` */
  summary: string;
  /** The approvals that count so far, one per approver, oldest first. */
  counted: Approval[];
  /** Why each other approval of this plan does not count, one sentence each. */
  rejected: string[];
}

export interface RolloutPlan {
  deployment: string;
  target: string;
  /** The source target; absent for a plain commit rolled onto a target without source rules. */
  promotedFrom?: string;
  /**
   * For a commit rollout: the `promoted_from` earlier versions wrote in its approvals and
   * requests (`commit`), which still counts; absent where a target is named `commit`.
   */
  legacyFrom?: string;
  components: PlannedComponent[];
  /** Components of the deployment left out because nothing is deployed in the source. */
  skipped: string[];
  requiresApproval: boolean;
  /** True when a recorded approval matches this exact plan. */
  approved: boolean;
  /** The matching approval, when there is one (for review, the first that counts). */
  approval?: Approval;
  /** Every approval the rollout uses: one for manual, `min_approvals` or more for review. */
  approvals?: Approval[];
  /** For an `approval_method: review` target: who may approve, how many must, how many do. */
  review?: ReviewState;
  /** The commit the rules were read from, when they came from committed config. */
  policySha?: string;
  /** Why recorded approvals do not count, when there are some for this target. */
  approvalProblem?: string;
  /** The target already runs these SHAs. */
  nothingToDo: boolean;
  /**
   * Commits the target gains: reachable from the planned SHAs but not from the ones it runs,
   * counted only for components whose current and planned SHAs both exist and differ, at most
   * COMMITS_AHEAD_LIMIT. Absent when nothing is deployed there yet or git cannot tell.
   */
  commitsAhead?: number;
  /**
   * The subject of each planned and current SHA, keyed by full SHA, read only where someone
   * decides from the plan (like commitsAhead); a SHA whose commit is missing is left out.
   */
  subjects?: Record<string, string>;
  /** Who would act: git's identity as `Name <email>`, absent when git does not know it. */
  actor?: string;
  /** Warnings to show: ignored invalid approval notes, a detached HEAD. */
  warnings: string[];
}

/** commitsAhead stops counting here, so a plan across an unrelated history stays quick. */
export const COMMITS_AHEAD_LIMIT = 10000;

export interface PlanResult {
  plan?: RolloutPlan;
  /** The promotion rule's refusal, word for word as the CLI prints it. */
  refusal?: string;
}

/** What happens between planning and writing; all optional. */
export interface ApplyOptions extends RolloutOptions {
  /** Required for a write: the rules come from the committed file. */
  policy: PolicySource;
  /**
   * Cancels the rollout while it only reads (fetch, rules, records, plan): it then throws a
   * `cancelled` RolloutError and has written nothing. From its first write on (the approval
   * note, or the tags and the one update-ref transaction) it no longer listens, so a rollout is
   * never cut off halfway.
   */
  signal?: AbortSignal;
  /** The user approved this plan (`--approve`, or the editor's modal): record the note. */
  approve?: boolean;
  /** `approved_by` for an approval recorded here; defaults to the git identity. */
  approver?: string;
  /** `approver_role` for an approval recorded here. */
  approverRole?: string;
  /**
   * Asked when the target requires an approval that is not recorded and `approve` is not set:
   * the CLI's TTY prompt or the editor's modal. Undefined means nobody can be asked.
   */
  confirm?: (plan: RolloutPlan) => Promise<boolean>;
  buildId?: string;
  /** Recorded under `metadata` in every tag (`pr`, `jira`, ...). */
  metadata?: Record<string, string>;
  /**
   * Deploys one component; a rejection, `false` or `{ ok: false }` marks it failed (its ref
   * does not move). The CLI's `--exec` and the server's deploy command run a shell command
   * here (`execDeploy`). Components run in dependency waves, up to `parallelism` at a time.
   */
  deploy?: (
    component: PlannedComponent,
    plan: RolloutPlan,
    step: DeployStep,
    stop?: AbortSignal,
  ) => Promise<boolean | DeployOutcome>;
  /**
   * Stops the deploy steps (Ctrl+C): running ones are stopped and the rest not started, all
   * of them recorded failed, and what finished is still recorded in the one transaction, so
   * the environment never changes without a record.
   */
  stopDeploy?: AbortSignal;
  /** Called as the first deploy step starts: from then on `stopDeploy` is what stops them. */
  onDeployStart?: () => void;
  /** Called as each wave of deploy steps starts (the editor's progress per wave). */
  onWave?: (index: number, waves: string[][]) => void;
  /** How many components of one wave deploy at once; default the number of cores. */
  parallelism?: number;
  /** Print the plan, write nothing. */
  dryRun?: boolean;
  /** Remote that holds the shared records (`--remote`, `ATMOS_DEPLOYMENTS_REMOTE`). */
  remote?: string;
  /** Progress lines for the user (`→ Recording approval as git note`). */
  onProgress?: (line: string) => void;
  /**
   * The approval request this rollout waited on (`--wait`): deleted in the rollout's own
   * transaction and push, with its tip as the expected value. Without it, an open request that
   * asks for exactly this plan is found and closed the same way.
   */
  closeRequest?: { ref: string; tip: string };
  /** The plan and its approvals were printed already (while waiting); do not print them again. */
  planPrinted?: boolean;
  /** How long the deploy claim on the target holds (`--claim-for`; default one hour). */
  claimForMs?: number;
}

/** What the deploy step of one component is told besides the plan (design: the PRD's vars). */
export interface DeployStep {
  /** The component's type (`terraform`, `helmfile`, `nixpack`). */
  type: string;
  /** The deployment's `stacks`, as written. */
  stacks: string[];
  /** The component's vars with the target's context, then the target's vars, merged in. */
  vars: Record<string, unknown>;
}

/** How a deploy step ended, with what it printed (kept for `--format json`). */
export interface DeployOutcome {
  ok: boolean;
  /** The end of the command's output, when it was captured. */
  output?: string;
  /** Why it failed, when the command's exit status does not say it all (a timeout). */
  reason?: string;
}

export interface RecordedComponent {
  component: string;
  sha: string;
  status: RecordStatus;
  /** The annotated tag written for this component. */
  tag: string;
  /** Why a failed component failed: its exit, a timeout, or the dependency that failed first. */
  reason?: string;
  /** The end of its deploy step's output, when one ran and printed something. */
  output?: string;
}

export interface ApplyResult {
  /** True when every component was recorded with status success (or nothing needed doing). */
  ok: boolean;
  /** Tag names created, one per component. */
  tags: string[];
  /** A sentence for the user: what happened, or why nothing did. */
  message: string;
  plan: RolloutPlan;
  /** Nothing was written (dry run, or nothing to do). */
  wroteNothing: boolean;
  recorded: RecordedComponent[];
  /** The deploy waves, in order, when the rollout deploys or is a dry run. */
  waves?: string[][];
  /**
   * Records were written but no deploy step ran (no `--exec`, no deploy command configured):
   * the message says so, and the CLI and the editor say once how to attach one.
   */
  recordedOnly?: boolean;
}

export interface ApproveOptions {
  /** The rules come from the committed file, as for a rollout. */
  policy: PolicySource;
  target: string;
  /** The source target of the promotion to approve; absent with `gitSha`. */
  promoteFrom?: string;
  /** The commit of a commit rollout to approve (an entry point's `rollout --git-sha`). */
  gitSha?: string;
  components?: string[];
  /** `approved_by`; defaults to the git identity's email. */
  approver?: string;
  role?: string;
  remote?: string;
  now?: Date;
  /**
   * Cancels the approval up to its first write (the note, or the fetch with a remote): it reads
   * through a cancellable store until then and checks the signal once more before writing.
   */
  signal?: AbortSignal;
}

export interface ApproveResult {
  /** The notes ref written, `refs/notes/atmos/<d>/approvals`. */
  notesRef: string;
  /** The commit the note is on (the first, when the plan spans several commits). */
  commit: string;
  /** Every commit that received the note line. */
  commits: string[];
  approval: Approval;
  message: string;
}

export interface HistoryOptions {
  target?: string;
  component?: string;
  limit?: number;
}

export interface HistoryEntry {
  tag: string;
  deployment: string;
  target: string;
  component: string;
  gitSha: string;
  timestamp: string;
  status: string;
  deployedBy: string;
  buildId?: string;
  promotedFrom?: string;
  promotedAt?: string;
  rollbackOf?: string;
  /**
   * Who approved, only when a recorded approval note backs the tag's `metadata.approver`
   * (a name typed into metadata, or a note that does not match, never shows here).
   */
  approver?: string;
  /** The git identity that recorded that approval, when it is not the approver. */
  approvalRecordedBy?: string;
  /** The approver the tag names when no recorded approval backs it. */
  unbackedApprover?: string;
  /** The commit the rollout's rules were read from. */
  policySha?: string;
  metadata: Record<string, string>;
}

export interface RollbackOptions extends Omit<ApplyOptions, 'promoteFrom' | 'gitSha'> {
  /** A tag name (with or without `refs/tags/`) or its timestamp (`2025-01-22T12-00-00Z`). */
  to: string;
}

/** Live state of one deployment, as `readDeployedState` returns it. */
export type { DeployedState };
