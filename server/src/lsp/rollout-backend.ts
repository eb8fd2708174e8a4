/**
 * The requests that read or write git records beyond the deployed state (plan, apply, approve,
 * history, rollback, verify, approval requests and declines). The language server only forwards them: the rollout service in
 * server/src/rollout does the work, and until a workspace has one, each request answers with a
 * clear error instead of guessing.
 */
import { ResponseError } from 'vscode-languageserver';
import {
  AtmosErrorCodes,
  type ApplyResult,
  type ApplyRolloutParams,
  type ApprovalRequestsParams,
  type ApprovalRequestsResult,
  type ApproveParams,
  type DeclineParams,
  type DeclineResult,
  type RetireParams,
  type RetireResult,
  type ApproveResult,
  type HistoryParams,
  type HistoryResult,
  type PlanResult,
  type RollbackParams,
  type RolloutParams,
  type VerifyParams,
  type VerifyResult,
} from '../protocol/requests';

/**
 * The rollout requests. `signal` is the request's cancellation: reads stop their git processes
 * when it aborts, and writes heed it only until their first write (see `ApplyOptions.signal`).
 */
export interface RolloutBackend {
  plan(params: RolloutParams, signal?: AbortSignal): Promise<PlanResult>;
  apply(params: ApplyRolloutParams, signal?: AbortSignal): Promise<ApplyResult>;
  approve(params: ApproveParams, signal?: AbortSignal): Promise<ApproveResult>;
  history(params: HistoryParams, signal?: AbortSignal): Promise<HistoryResult>;
  planRollback(params: RollbackParams, signal?: AbortSignal): Promise<PlanResult>;
  rollback(params: RollbackParams, signal?: AbortSignal): Promise<ApplyResult>;
  verify(params: VerifyParams, signal?: AbortSignal): Promise<VerifyResult>;
  requests(params: ApprovalRequestsParams, signal?: AbortSignal): Promise<ApprovalRequestsResult>;
  decline(params: DeclineParams, signal?: AbortSignal): Promise<DeclineResult>;
  retire(params: RetireParams, signal?: AbortSignal): Promise<RetireResult>;
}

/** JSON-RPC error code for "git records are not available" (in the server-defined range). */
export const GIT_UNAVAILABLE = AtmosErrorCodes.gitUnavailable;

/** The backend of a server without git records: every request fails with the reason. */
export class UnavailableRollout implements RolloutBackend {
  constructor(private readonly why: string) {}

  private fail(): Promise<never> {
    return Promise.reject(new ResponseError(GIT_UNAVAILABLE, this.why));
  }

  plan(): Promise<PlanResult> {
    return this.fail();
  }
  apply(): Promise<ApplyResult> {
    return this.fail();
  }
  approve(): Promise<ApproveResult> {
    return this.fail();
  }
  history(): Promise<HistoryResult> {
    return this.fail();
  }
  planRollback(): Promise<PlanResult> {
    return this.fail();
  }
  rollback(): Promise<ApplyResult> {
    return this.fail();
  }
  verify(): Promise<VerifyResult> {
    return this.fail();
  }
  requests(): Promise<ApprovalRequestsResult> {
    return this.fail();
  }
  decline(): Promise<DeclineResult> {
    return this.fail();
  }
  retire(): Promise<RetireResult> {
    return this.fail();
  }
}

/**
 * Refuses the requests that write git while the workspace is not trusted, and forwards the
 * rest. The client disables those commands too; this keeps a client that forgets (or another
 * editor) from writing records out of an untrusted repository.
 */
export class TrustGate implements RolloutBackend {
  constructor(
    private readonly inner: () => RolloutBackend,
    private readonly trusted: () => boolean,
  ) {}

  private refuse(): Promise<never> {
    return Promise.reject(
      new ResponseError(
        AtmosErrorCodes.untrusted,
        'This workspace is in Restricted Mode: rollouts, approvals and rollbacks write git records, so they are disabled until you trust the workspace.',
      ),
    );
  }

  plan(p: RolloutParams, signal?: AbortSignal): Promise<PlanResult> {
    return this.inner().plan(p, signal);
  }
  history(p: HistoryParams, signal?: AbortSignal): Promise<HistoryResult> {
    return this.inner().history(p, signal);
  }
  apply(p: ApplyRolloutParams, signal?: AbortSignal): Promise<ApplyResult> {
    return this.trusted() ? this.inner().apply(p, signal) : this.refuse();
  }
  approve(p: ApproveParams, signal?: AbortSignal): Promise<ApproveResult> {
    return this.trusted() ? this.inner().approve(p, signal) : this.refuse();
  }
  /** Planning a rollback only reads, as planning a rollout does. */
  planRollback(p: RollbackParams, signal?: AbortSignal): Promise<PlanResult> {
    return this.inner().planRollback(p, signal);
  }
  rollback(p: RollbackParams, signal?: AbortSignal): Promise<ApplyResult> {
    return this.trusted() ? this.inner().rollback(p, signal) : this.refuse();
  }
  /** Verifying only reads the records, as status and history do. */
  verify(p: VerifyParams, signal?: AbortSignal): Promise<VerifyResult> {
    return this.inner().verify(p, signal);
  }
  /** Listing requests reads; fetching them from the remote only happens when trusted. */
  requests(p: ApprovalRequestsParams, signal?: AbortSignal): Promise<ApprovalRequestsResult> {
    return this.inner().requests({ ...p, fetch: p.fetch && this.trusted() }, signal);
  }
  decline(p: DeclineParams, signal?: AbortSignal): Promise<DeclineResult> {
    return this.trusted() ? this.inner().decline(p, signal) : this.refuse();
  }
  retire(p: RetireParams, signal?: AbortSignal): Promise<RetireResult> {
    return this.trusted() ? this.inner().retire(p, signal) : this.refuse();
  }
}
