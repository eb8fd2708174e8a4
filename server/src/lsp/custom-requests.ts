/**
 * The custom `atmosDeployments/*` requests: each registered with its params guard, its handler
 * and the cancellation that reaches git. Handlers only look up, call and return; what they
 * need from the session comes in as `CustomRequestDeps`.
 */
import {
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
} from 'vscode-languageserver';
import {
  isApplyRolloutParams,
  isApprovalRequestsParams,
  isApproveParams,
  isDeclineParams,
  isRetireParams,
  isGraphParams,
  isHistoryParams,
  isRollbackParams,
  isRolloutParams,
  isStatusParams,
  isVerifyParams,
  type ParamsGuard,
} from '../protocol/guards';
import {
  ApplyRolloutRequest,
  ApprovalRequestsRequest,
  ApproveRequest,
  DeclineRequest,
  RetireRequest,
  GraphRequest,
  HistoryRequest,
  PlanRolloutRequest,
  PlanRollbackRequest,
  RollbackRequest,
  StatusRequest,
  VerifyRequest,
} from '../protocol/requests';
import type { FeatureContext } from './context';
import { graph, status } from './features/promotion-info';
import type { RolloutBackend } from './rollout-backend';

export interface CustomRequestDeps {
  connection: Connection;
  logError(message: string): void;
  ctx(): FeatureContext;
  /** Validates documents whose diagnostics are still pending, so views read current text. */
  flushPending(): void;
  /** The rollout service behind the trust gate. */
  gate: RolloutBackend;
  /** Tells the session that this server's own write moved the records. */
  refsChanged(): void;
  /** Resolves once the workspace walk has read every file (workspace-walk.ts). */
  whenIndexed(): Promise<void>;
}

/**
 * Wraps a custom request's handler: its params are checked by the request's guard first
 * (malformed params are answered with InvalidParams and the guard's sentence, and never reach
 * the handler), and any other failure becomes an InternalError with its message, logged.
 */
export function onCustom<P, R>(
  d: Pick<CustomRequestDeps, 'logError'>,
  name: string,
  guard: ParamsGuard<P>,
  fn: (params: P, signal: AbortSignal) => Promise<R>,
): (params: P, token: CancellationToken) => Promise<R> {
  return async (params: P, token: CancellationToken) => {
    const problem = guard(params);
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `${name}: ${problem}.`);
    // `$/cancelRequest` reaches the git processes as an AbortSignal (see GitStore.cancellable).
    const cancel = new AbortController();
    const listening = token.onCancellationRequested(() => cancel.abort());
    if (token.isCancellationRequested) cancel.abort();
    try {
      return await fn(params ?? ({} as P), cancel.signal);
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      d.logError(`${name} failed: ${(err as Error)?.stack ?? String(err)}`);
      throw new ResponseError(
        ErrorCodes.InternalError,
        `${name} failed: ${(err as Error)?.message ?? String(err)}`,
      );
    } finally {
      listening.dispose();
    }
  };
}

export function registerCustomRequests(d: CustomRequestDeps): void {
  d.connection.onRequest(
    GraphRequest,
    onCustom(d, 'atmosDeployments/graph', isGraphParams, (p) => {
      d.flushPending();
      return graph(d.ctx(), p);
    }),
  );
  d.connection.onRequest(
    StatusRequest,
    onCustom(d, 'atmosDeployments/status', isStatusParams, async (p, signal) => {
      // The quick answer shows what is known at once; the full one lists every deployment.
      if (!p?.withoutRecords) await d.whenIndexed();
      d.flushPending();
      return status(d.ctx(), signal, { records: !p?.withoutRecords });
    }),
  );
  d.connection.onRequest(
    PlanRolloutRequest,
    onCustom(d, 'atmosDeployments/planRollout', isRolloutParams, (p, signal) =>
      d.gate.plan(p, signal),
    ),
  );
  d.connection.onRequest(
    ApplyRolloutRequest,
    onCustom(d, 'atmosDeployments/applyRollout', isApplyRolloutParams, async (p, signal) => {
      const r = await d.gate.apply(p, signal);
      d.refsChanged();
      return r;
    }),
  );
  d.connection.onRequest(
    ApproveRequest,
    onCustom(d, 'atmosDeployments/approve', isApproveParams, (p, signal) =>
      d.gate.approve(p, signal),
    ),
  );
  d.connection.onRequest(
    HistoryRequest,
    onCustom(d, 'atmosDeployments/history', isHistoryParams, (p, signal) =>
      d.gate.history(p, signal),
    ),
  );
  d.connection.onRequest(
    PlanRollbackRequest,
    onCustom(d, 'atmosDeployments/planRollback', isRollbackParams, (p, signal) =>
      d.gate.planRollback(p, signal),
    ),
  );
  d.connection.onRequest(
    RollbackRequest,
    onCustom(d, 'atmosDeployments/rollback', isRollbackParams, async (p, signal) => {
      const r = await d.gate.rollback(p, signal);
      d.refsChanged();
      return r;
    }),
  );

  d.connection.onRequest(
    ApprovalRequestsRequest,
    onCustom(d, 'atmosDeployments/approvalRequests', isApprovalRequestsParams, (p, signal) =>
      d.gate.requests(p ?? {}, signal),
    ),
  );
  d.connection.onRequest(
    DeclineRequest,
    onCustom(d, 'atmosDeployments/decline', isDeclineParams, async (p, signal) => {
      const r = await d.gate.decline(p, signal);
      d.refsChanged();
      return r;
    }),
  );
  d.connection.onRequest(
    RetireRequest,
    onCustom(d, 'atmosDeployments/retire', isRetireParams, async (p, signal) => {
      const r = await d.gate.retire(p, signal);
      d.refsChanged();
      return r;
    }),
  );
  d.connection.onRequest(
    VerifyRequest,
    onCustom(d, 'atmosDeployments/verify', isVerifyParams, (p, signal) =>
      d.gate.verify(p ?? {}, signal),
    ),
  );
}
