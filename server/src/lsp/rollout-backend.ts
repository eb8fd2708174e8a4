/**
 * The requests that read or write git records beyond the deployed state (plan, apply, approve,
 * history, rollback). The language server only forwards them: the rollout service in
 * server/src/rollout does the work, and until a workspace has one, each request answers with a
 * clear error instead of guessing.
 */
import { ResponseError } from 'vscode-languageserver';
import {
  AtmosErrorCodes,
  type ApplyResult,
  type ApplyRolloutParams,
  type ApproveParams,
  type ApproveResult,
  type HistoryParams,
  type HistoryResult,
  type PlanResult,
  type RollbackParams,
  type RolloutParams,
} from '../protocol/requests';

export interface RolloutBackend {
  plan(params: RolloutParams): Promise<PlanResult>;
  apply(params: ApplyRolloutParams): Promise<ApplyResult>;
  approve(params: ApproveParams): Promise<ApproveResult>;
  history(params: HistoryParams): Promise<HistoryResult>;
  rollback(params: RollbackParams): Promise<ApplyResult>;
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
  rollback(): Promise<ApplyResult> {
    return this.fail();
  }
}
