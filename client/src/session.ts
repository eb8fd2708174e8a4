/**
 * The client's only door to the language server: typed custom requests from
 * server/src/protocol/requests.ts, with errors turned into sentences a user can act on. The client
 * never runs git; everything about deployed state goes through here.
 */
import * as vscode from 'vscode';
import {
  ErrorCodes,
  ResponseError,
  State,
  type LanguageClient,
  type RequestType,
} from 'vscode-languageclient/node';
import {
  DeployOutputNotification,
  StateChangedNotification,
  type DeployOutputParams,
} from '../../server/src/protocol/requests';

/** A request that failed, with a message meant for people rather than for the log only. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly notImplemented = false,
    /** The JSON-RPC error's `data` (RolloutErrorData for the rollout requests), when any. */
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export class Session implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly stateChanged = new vscode.EventEmitter<string[]>();
  private readonly deployOutput = new vscode.EventEmitter<DeployOutputParams>();
  private readonly disposables: vscode.Disposable[] = [this.stateChanged, this.deployOutput];
  /** Fires with the deployment names the server says changed (deployment files or refs/atmos). */
  readonly onStateChanged = this.stateChanged.event;
  /** Fires with each line of a running deploy step (see client/src/deploy-task.ts). */
  readonly onDeployOutput = this.deployOutput.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Attaches the started language client; requests before this fail with a clear reason. */
  attach(client: LanguageClient): void {
    this.client = client;
    this.disposables.push(
      client.onNotification(StateChangedNotification, (p) => {
        this.log.debug(`stateChanged: ${p.deployments.join(', ') || '(all)'}`);
        this.stateChanged.fire(p.deployments);
      }),
      client.onNotification(DeployOutputNotification, (p) => this.deployOutput.fire(p)),
    );
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /**
   * Sends a custom request. With `token`, cancelling it sends `$/cancelRequest`; the promise
   * still waits for the server's answer, which says whether it stopped (RequestCancelled, with
   * `data.kind: 'cancelled'` for rollouts) or had already started writing and finished.
   */
  async request<P, R>(
    type: RequestType<P, R, void>,
    params: P,
    token?: vscode.CancellationToken,
  ): Promise<R> {
    const method = type.method;
    if (!this.client || this.client.state !== State.Running) {
      throw new RequestFailed('the Atmos Deployments language server is not running', method);
    }
    const t0 = Date.now();
    try {
      const result = await (token
        ? this.client.sendRequest(type, params, token)
        : this.client.sendRequest(type, params));
      this.log.trace(`${method} answered in ${Date.now() - t0} ms`);
      return result;
    } catch (err) {
      if (err instanceof ResponseError && err.code === ErrorCodes.MethodNotFound) {
        this.log.warn(`${method}: the language server does not implement it`);
        throw new RequestFailed(
          `the language server does not implement ${method} yet`,
          method,
          true,
        );
      }
      const text = err instanceof Error ? err.message : String(err);
      this.log.error(`${method} failed: ${text}`);
      throw new RequestFailed(
        text,
        method,
        false,
        err instanceof ResponseError ? err.data : undefined,
      );
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
