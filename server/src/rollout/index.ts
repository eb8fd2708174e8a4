/**
 * The rollout service: plain async functions over a GitStore and a parsed deployment, shared by
 * the CLI and the language server's custom requests. Nothing here prints or prompts; progress
 * and questions go through callbacks in the options. Failures are RolloutErrors whose `kind`
 * (and `exitCode`) say what went wrong: `refused` 1, `usage` 2, `approval-missing` 3,
 * `conflict` 1.
 *
 *   readDeployedState(store, deployment)      what runs where (one for-each-ref + one cat-file)
 *   readWorkspaceStates(store, deployments)  every deployment's state in one pass, cached by refs
 *   readPromotionStatus(store, deployment)    edges with state and ages (promotion-status)
 *   planRollout(store, deployment, options)   what a rollout would do; writes nothing
 *   applyRollout(store, deployment, options)  plan, approval, deploy step, one transaction
 *   approve(store, deployment, options)       record the approval note for the current plan
 *   history(store, deployment, options)       recorded rollouts, newest first
 *   streamHistory(store, deployment, options) the same, handed on while git lists them
 *   streamHistoryPages(store, d, options)     the same, a page (array) at a time
 *   rollback(store, deployment, options)      put a recorded SHA set back through the rules
 *   verifyRecords(store, options)             replay the whole trail into findings (verify)
 *   rolloutWithWait(store, deployment, ...)    request approval, wait for it, then roll out
 *   listApprovalRequests(store, deployment)   open approval requests (approvals)
 *   declineRequest(store, d, target, ...)     decline an open request with a reason
 */
export { RolloutError, EXIT_CODE, type RolloutErrorKind, type RolloutErrorReason } from './errors';
export { loadPolicy, remotePolicyRef, type Policy } from './policy';
export { readDeployedState } from './snapshot';
export {
  history,
  streamHistory,
  streamHistoryPages,
  recordedTargets,
  recordedNames,
} from './history';
export { readWorkspaceStates, type WorkspaceStates } from './workspace-state';
export { planRollout, findApproval, approvalScope } from './plan';
export { applyRollout, PAUSE_STEPS, type PauseStep } from './apply';
export { approve } from './approve';
export { allowedSignersFor } from './signers-file';
export { rollback } from './rollback';
export { execDeploy } from './exec-deploy';
export { approveCommand, commitsAheadText, describeComponents, planLines } from './plan-text';
export { remoteRefspecs, fetchRecords, fetchAllRequests } from './remote';
export {
  readPromotionStatus,
  formatStatusText,
  type StatusReport,
  type StatusEdge,
  type StatusComponent,
} from './status';
export { openGitStore, GitStoreError, type GitStore } from '../git';
export * from './types';
export {
  verifyRecords,
  findingsForTags,
  parsePushLines,
  isRecordRef,
  VERIFY_ROOTS,
  type VerifyOptions,
  type VerifyResult,
  type PushedRef,
} from './verify';
export { rolloutWithWait, type WaitOptions } from './wait';
export {
  readRequestViews,
  deploymentsWithRequests,
  openRequest,
  declineRequest,
  withdrawRequest,
  type RequestRules,
} from './requests';
export {
  listApprovalRequests,
  type RequestSummary,
  type ListRequestsOptions,
} from './request-list';
export { claimTarget, releaseClaim, clearClaim, type HeldClaim } from './claims';
export { retireComponent, type RetireOptions, type RetireResult } from './retire';
export { readRecordedComponents, recordedFromRefs } from './recorded';
