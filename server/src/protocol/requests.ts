/**
 * The custom requests between the Atmos Deployments language server and its clients, in one
 * file shared by both sides (as vscode-eslint does). Every request is namespaced
 * `atmosDeployments/`, typed, and specified in docs/lsp-extensions.md. The client never runs
 * git: everything that reads or writes git records goes through these requests.
 *
 * Positions and ranges are LSP ones (zero-based lines, UTF-16 columns).
 */
import { NotificationType, RequestType, type Range } from 'vscode-languageserver-protocol';
import type { DeploymentInfo } from './deployment-info';

/**
 * JSON-RPC error codes of the custom requests (server-defined range). The error's message is a
 * sentence for the user, shown as it is; `data.kind` repeats the rollout service's error kind.
 */
export const AtmosErrorCodes = {
  /** The workspace has no git repository (or the server no rollout service): nothing to read or write. */
  gitUnavailable: -32001,
  /** The promotion rules refuse it, or the deployment file has errors. */
  refused: -32010,
  /** Unknown deployment, target or component, or a git problem. */
  usage: -32011,
  /** The target requires an approval that is not recorded; apply again with `approve: true`. */
  approvalMissing: -32012,
  /** Someone else recorded a rollout first (locally or on the remote); nothing was written. */
  conflict: -32013,
  /** The workspace is in Restricted Mode (not trusted): requests that write git are refused. */
  untrusted: -32014,
} as const;

export * from './deployment-info';
export * from './settings';

export interface GraphParams {
  /** A deployment name, or the URI of a file defining it. */
  deployment?: string;
  uri?: string;
}

export interface GraphResult {
  deployment?: DeploymentInfo;
  /** Why live state is missing (no git repository, no commits), when it is. */
  gitProblem?: string;
}

/** `atmosDeployments/graph`: one deployment's targets, edges and live state, for the graph view. */
export const GraphRequest = new RequestType<GraphParams, GraphResult, void>(
  'atmosDeployments/graph',
);

export interface StatusParams {
  /**
   * Answer from the deployment files alone, without reading git: every deployment comes back
   * with `pending: true`, its targets without deployed components and no edges. The Promotions
   * view asks this first, to show every deployment at once, then asks again for the state.
   */
  withoutRecords?: boolean;
}

export interface StatusResult {
  deployments: DeploymentInfo[];
  gitProblem?: string;
}

/** `atmosDeployments/status`: every deployment in the workspace, for the Promotions tree. */
export const StatusRequest = new RequestType<StatusParams, StatusResult, void>(
  'atmosDeployments/status',
);

export interface RolloutParams {
  deployment: string;
  target: string;
  /** Source target; absent for a commit rolled onto an entry point. */
  promoteFrom?: string;
  /** Commit for entry points; defaults to HEAD. */
  gitSha?: string;
  /** Limit to these components; all when absent. */
  components?: string[];
  /** Record even when the target already runs these SHAs. */
  redeploy?: boolean;
}

export interface PlannedComponent {
  component: string;
  sha: string;
  /** What the target runs now. */
  currentSha?: string;
}

export interface RolloutPlan {
  deployment: string;
  target: string;
  promotedFrom?: string;
  components: PlannedComponent[];
  requiresApproval: boolean;
  /** True when a recorded approval matches this exact plan. */
  approved: boolean;
  /** Why a recorded approval does not count, when there is one. */
  approvalProblem?: string;
  /** The target already runs these SHAs. */
  nothingToDo: boolean;
  /** Commits between the target's SHA and the planned one, when git can tell. */
  commitsAhead?: number;
  /**
   * The subject (first line of the message) of each planned and current SHA, keyed by full SHA;
   * a SHA whose commit is not in the repository is left out.
   */
  subjects?: Record<string, string>;
  /** Who is acting: git's identity as `Name <email>`, absent when git does not know it. */
  actor?: string;
}

export interface PlanResult {
  plan?: RolloutPlan;
  /** The promotion rule's refusal, word for word as the CLI prints it. */
  refusal?: string;
}

/** `atmosDeployments/planRollout`: what a rollout would do, and whether it is allowed. Writes nothing. */
export const PlanRolloutRequest = new RequestType<RolloutParams, PlanResult, void>(
  'atmosDeployments/planRollout',
);

export interface ApplyRolloutParams extends RolloutParams {
  /** The user approved this plan in the client's modal; the server records the approval note. */
  approve?: boolean;
  buildId?: string;
  metadata?: Record<string, string>;
  /**
   * Names this rollout's deploy step: while it runs, the server sends its output as
   * `atmosDeployments/deployOutput` notifications carrying this id. Without it, the output goes
   * to the server's log only.
   */
  deployId?: string;
}

/** How one component of a rollout was recorded, and why it failed when it did. */
export interface RecordedComponentInfo {
  component: string;
  /** The record's `status`: `success`, `rolled_back` or `failed`. */
  status: string;
  /**
   * Why it failed: the deploy step's exit status, `stopped: the rollout was interrupted`,
   * `not run: it depends on db, whose deploy step failed`.
   */
  reason?: string;
}

export interface ApplyResult {
  ok: boolean;
  /** Tag names created, one per component. */
  tags: string[];
  /** A sentence for the user: what happened, or why nothing did. */
  message: string;
  /**
   * Git records were written but no deploy step ran (the `deployCommand` setting is empty);
   * `message` says so, and the client offers the setting.
   */
  recordedOnly?: boolean;
  /** The dependency waves the deploy step ran in (only when a deploy command ran). */
  waves?: string[][];
  /** Every component recorded, with why a failed one failed or was not run. */
  components?: RecordedComponentInfo[];
}

/** `atmosDeployments/applyRollout`: plan, check approval, and record the rollout in one git transaction. */
export const ApplyRolloutRequest = new RequestType<ApplyRolloutParams, ApplyResult, void>(
  'atmosDeployments/applyRollout',
);

export interface ApproveParams {
  deployment: string;
  target: string;
  /** The source target; for a commit rolled out directly, give `gitSha` instead. */
  promoteFrom?: string;
  /** The commit of a direct rollout to approve (an entry point); exactly one of the two. */
  gitSha?: string;
  role?: string;
}

export interface ApproveResult {
  /** The notes ref written, `refs/notes/atmos/<d>/approvals`. */
  notesRef: string;
  /** The commit the note is on. */
  commit: string;
  message: string;
}

/** `atmosDeployments/approve`: record an approval note for the current plan of a promotion. */
export const ApproveRequest = new RequestType<ApproveParams, ApproveResult, void>(
  'atmosDeployments/approve',
);

export interface HistoryParams {
  deployment: string;
  target?: string;
  component?: string;
  limit?: number;
  /** Also read the commit subject of each recorded SHA (the timeline shows them). */
  subjects?: boolean;
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
  promotedFrom?: string;
  rollbackOf?: string;
  approver?: string;
}

export interface HistoryResult {
  entries: HistoryEntry[];
  /** With `subjects: true`: the subject of each recorded SHA that is a commit here, by full SHA. */
  subjects?: Record<string, string>;
}

/** `atmosDeployments/history`: recorded rollouts from the deployment tags, newest first. */
export const HistoryRequest = new RequestType<HistoryParams, HistoryResult, void>(
  'atmosDeployments/history',
);

export interface RollbackParams {
  deployment: string;
  target: string;
  /** A tag name or its timestamp (`2025-01-22T12-00-00Z`). */
  to: string;
  approve?: boolean;
  /** As in `ApplyRolloutParams`: the id the deploy step's output notifications carry. */
  deployId?: string;
}

/**
 * `atmosDeployments/planRollback`: what a rollback would do (the SHA set it returns to, the
 * subjects of those commits, who is acting), or why it is refused, through the same rules as
 * `atmosDeployments/rollback`. Writes nothing; `approve` is ignored.
 */
export const PlanRollbackRequest = new RequestType<RollbackParams, PlanResult, void>(
  'atmosDeployments/planRollback',
);

/** `atmosDeployments/rollback`: re-promote a recorded SHA set through the same rules and approvals. */
export const RollbackRequest = new RequestType<RollbackParams, ApplyResult, void>(
  'atmosDeployments/rollback',
);

export interface VerifyParams {
  /** Only these deployments; every deployment with records when absent or empty. */
  deployments?: string[];
}

/** One `verify` finding (design section 11), placed in the workspace where it can be. */
export interface VerifyFindingInfo {
  /** Stable code, as `atmos-deployments verify` prints it (README, "Verify findings"). */
  code: string;
  /** The ref or tag the finding is about (`refs/tags/atmos/deployments/...`). */
  ref: string;
  message: string;
  deployment?: string;
  target?: string;
  component?: string;
  /**
   * The deployment file the finding belongs to and the range to show it at (the target's key,
   * or the deployment's name), when that file is in the workspace.
   */
  uri?: string;
  range?: Range;
}

export interface VerifyResult {
  findings: VerifyFindingInfo[];
  /** How many deployment records (tags) were replayed. */
  records: number;
  /** Git processes the check started: a constant, whatever the number of records. */
  gitProcesses: number;
}

/**
 * `atmosDeployments/verify`: replays the deployment records (refs, tags, approval notes) against
 * the committed rules, as `atmos-deployments verify` does. Reads git; writes nothing.
 */
export const VerifyRequest = new RequestType<VerifyParams, VerifyResult, void>(
  'atmosDeployments/verify',
);

export interface ApprovalRequestsParams {
  /** Only these deployments; every deployment of the workspace when absent or empty. */
  deployments?: string[];
  /** Fetch the requests from the configured remote first (the view's Refresh). */
  fetch?: boolean;
}

/** One open approval request (`rollout --wait`, design section 11) as the views show it. */
export interface ApprovalRequestInfo {
  deployment: string;
  target: string;
  /** The source target, or `:commit` (earlier `commit`) for a commit rollout. */
  promotedFrom: string;
  /** What the request asks to deploy, component → SHA. */
  components: Record<string, string>;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** Who may approve; empty for a manual target (anyone may). */
  approvers: string[];
  /** How many approvals it needs. */
  needed: number;
  /** Who approved so far (only approvals that count). */
  approvedBy: string[];
  /** `1 of 2 approvals: alice@example.com`, or `not approved yet`. */
  summary: string;
  /** True for a commit rolled out directly (approve it with `gitSha`, not `promoteFrom`). */
  direct: boolean;
  /** The person using the editor may approve it now (a listed approver, not the requester). */
  yours: boolean;
  /** Why entries or approvals do not count, one sentence each. */
  problems: string[];
}

export interface ApprovalRequestsResult {
  requests: ApprovalRequestInfo[];
  /** Why the requests of a deployment could not be read, one sentence each. */
  problems: string[];
}

/**
 * `atmosDeployments/approvalRequests`: the open approval requests of the workspace's
 * deployments, marking those the editor's git identity may approve. Reads git (and, with
 * `fetch` and a remote configured, fetches the requests first); writes nothing.
 */
export const ApprovalRequestsRequest = new RequestType<
  ApprovalRequestsParams,
  ApprovalRequestsResult,
  void
>('atmosDeployments/approvalRequests');

export interface DeclineParams {
  deployment: string;
  target: string;
  /** Why, shown to the requester; must not be empty. */
  reason: string;
}

export interface DeclineResult {
  message: string;
}

/**
 * `atmosDeployments/decline`: decline the open approval request of a target with a reason
 * (signed for `approval_method: review`); the waiting rollout stops with it.
 */
export const DeclineRequest = new RequestType<DeclineParams, DeclineResult, void>(
  'atmosDeployments/decline',
);

export interface RetireParams {
  deployment: string;
  /** The recorded component to retire; it must no longer be in the deployment file. */
  component: string;
  /** Only these targets; every target holding the component when absent or empty. */
  targets?: string[];
}

export interface RetireResult {
  message: string;
  /** The deployment refs deleted. */
  refs: string[];
  /** How many tags of the component stay as its history. */
  tags: number;
}

/**
 * `atmosDeployments/retire`: deletes the recorded refs of a component that was renamed or
 * removed, and drops it from the status index, in one transaction; its tags stay as history
 * (`atmos-deployments retire`). The quick fix of `recorded-component-conflict` runs it.
 */
export const RetireRequest = new RequestType<RetireParams, RetireResult, void>(
  'atmosDeployments/retire',
);

/** `atmosDeployments/stateChanged` (server → client): deployment files or `refs/atmos` changed; views refresh. */
export const StateChangedNotification = new NotificationType<{ deployments: string[] }>(
  'atmosDeployments/stateChanged',
);

/** One line of a running deploy step, for the client to show in a terminal. */
export interface DeployOutputParams {
  /** The `deployId` of the rollout or rollback request this belongs to. */
  deployId: string;
  /**
   * `output`: a line of a component's deploy command, prefixed `component | `; `wave`: a wave
   * starts (`wave` says which); `progress`: any other line of the rollout (`→ Deploying to
   * prod...`, `✓ api deployed (abc1234)`, `✗ ecs: exit status 1; its ref stays where it was.`).
   */
  kind: 'output' | 'wave' | 'progress';
  line: string;
  /** The command wrote it to stderr. */
  stderr?: boolean;
  /** For `wave`: its 0-based index, how many waves there are, and its components. */
  wave?: { index: number; count: number; components: string[] };
}

/**
 * `atmosDeployments/deployOutput` (server → client): a line of the deploy step of a rollout
 * or rollback whose request named a `deployId`, sent as it is written.
 */
export const DeployOutputNotification = new NotificationType<DeployOutputParams>(
  'atmosDeployments/deployOutput',
);

/**
 * `atmosDeployments/workspaceTrusted` (client → server): the user trusted the workspace, so
 * requests that write git are allowed from now on. A client that starts the server in an
 * untrusted workspace passes `initializationOptions.workspaceTrusted: false`.
 */
export const WorkspaceTrustedNotification = new NotificationType<Record<string, never>>(
  'atmosDeployments/workspaceTrusted',
);

/**
 * `data` of a rollout error (any of the codes above): the service's error kind, and for a
 * refusal because the deployment file has uncommitted changes (`reason: 'uncommitted-policy'`),
 * the file's URI, so a client can offer to open its changes.
 */
export interface RolloutErrorData {
  kind: string;
  /**
   * What the client can act on: `uncommitted-policy` (offer the file's changes), `no-commits`
   * (nothing committed to roll out yet), `not-a-repo` (the folder is not in git).
   */
  reason?: 'uncommitted-policy' | 'no-commits' | 'not-a-repo';
  uri?: string;
}
