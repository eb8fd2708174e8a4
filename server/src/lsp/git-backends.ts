/**
 * Connects the language server to the git records of a workspace through the rollout service
 * (server/src/rollout). This is the one file that knows that service exists; everything else
 * sees only LiveState and RolloutBackend. No git logic lives here: it finds the deployment,
 * calls the service, and maps results and errors onto the protocol's types.
 */
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { displayName, validateFile, type DeployedState, type Deployment } from '../core';
import { AtmosErrorCodes } from '../protocol/requests';
import type * as P from '../protocol/requests';
import {
  applyRollout,
  COMMITS_AHEAD_LIMIT,
  approve,
  history,
  openGitStore,
  planRollout,
  retireComponent,
  readDeployedState,
  readWorkspaceStates,
  type WorkspaceStates,
  rollback,
  RolloutError,
  verifyRecords,
  GitStoreError,
  type GitStore,
  type PolicySource,
  type RolloutPlan,
  type ApplyResult as ApplyResultOf,
} from '../rollout';
import { deployRun, type DeployOutputSink } from './deploy-run';
import { decline, listRequests, type RequestDeps } from './approval-requests';
import { toRange } from './conversions';
import { uriToPath } from './uris';
import type { DeploymentDocuments } from './documents';
import type { LiveState } from './live-state';
import type { RolloutBackend } from './rollout-backend';

export interface GitBackends {
  live: LiveState;
  rollout: RolloutBackend;
}

/** JSON-RPC error codes for rollout failures, by the service's error kind. */
export const ROLLOUT_ERROR_CODES: Record<RolloutError['kind'], number> = {
  refused: AtmosErrorCodes.refused,
  usage: AtmosErrorCodes.usage,
  'approval-missing': AtmosErrorCodes.approvalMissing,
  conflict: AtmosErrorCodes.conflict,
  // LSP's own code for a request the client cancelled, so clients treat it as they do others.
  cancelled: LSPErrorCodes.RequestCancelled,
};

export function createGitBackends(
  root: string,
  docs: DeploymentDocuments,
  settings: () => P.Settings,
  log: (message: string) => void,
  /** Where the deploy step's lines go for a request that names a `deployId`. */
  output?: DeployOutputSink,
): GitBackends | undefined {
  let store: GitStore;
  try {
    store = openGitStore(root);
  } catch (err) {
    log(`Git records are not available for ${root}: ${String((err as Error)?.message ?? err)}`);
    return undefined;
  }
  let problem: string | undefined;
  /** The last pass over many deployments, for `readWorkspaceStates` to keep what did not change. */
  let lastPass: WorkspaceStates | undefined;

  const find = (name: string): Deployment | undefined => {
    const uri = docs.filesOf(name)[0];
    return uri ? docs.deployment(uri)?.deployment : undefined;
  };

  /**
   * The deployment for a write: it must exist and have no errors, as the CLI requires. The
   * policy source is the editor's text of the file (unsaved edits included), which the service
   * compares with the committed rules it reads.
   */
  const forWrite = (name: string): { deployment: Deployment; policy: PolicySource } => {
    const uri = docs.filesOf(name)[0];
    const file = uri ? docs.deployment(uri) : undefined;
    if (!file?.deployment) {
      const known = docs.index.deploymentNames();
      throw new ResponseError(
        ROLLOUT_ERROR_CODES.usage,
        `Unknown deployment '${displayName(name)}'.${known.length ? ` Known deployments: ${known.map(displayName).join(', ')}.` : ''}`,
      );
    }
    const errors = validateFile(file, { workspace: docs.index }).filter(
      (p) => p.severity === 'error',
    );
    if (errors.length)
      throw new ResponseError(
        ROLLOUT_ERROR_CODES.refused,
        `The deployment file of '${displayName(name)}' has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix them before recording rollouts. First: ${errors[0].message}`,
      );
    const fsPath = uriToPath(file.file);
    if (!fsPath)
      throw new ResponseError(
        ROLLOUT_ERROR_CODES.usage,
        `The deployment file of '${displayName(name)}' is not on disk (${file.file}); rollouts read their rules from the committed file.`,
      );
    const policy = { file: fsPath, text: file.text, rev: settings().policyRev || undefined };
    return { deployment: file.deployment, policy };
  };

  const remote = () => settings().remote || undefined;
  // The deploy command setting runs in the repository for each component, its output kept off
  // stdout (which carries the protocol) and streamed to the client when the request asks.
  // Writes never reach here in Restricted Mode.
  const run = (deployId: string | undefined, signal: AbortSignal | undefined) => {
    const r = deployRun({
      command: settings().deployCommand.trim(),
      cwd: store.cwd,
      deployId,
      signal,
      send: output,
    });
    const { dispose, ...options } = r;
    return { options, dispose };
  };
  /** The store for a request that only reads: cancelling the request stops its git processes. */
  const reads = (signal?: AbortSignal): GitStore => (signal ? store.cancellable(signal) : store);

  const live: LiveState = {
    async deployed(name: string, signal?: AbortSignal): Promise<DeployedState> {
      const deployment = find(name);
      if (!deployment) return {};
      try {
        const state = await readDeployedState(reads(signal), deployment);
        problem = undefined;
        return state;
      } catch (err) {
        // A cancelled read says nothing about git: it is no problem to show, and no empty state
        // may stand for it (the cache drops a read that rejects).
        if (signal?.aborted) throw err;
        problem = String((err as Error)?.message ?? err);
        return {};
      }
    },
    async deployedMany(names: string[], signal?: AbortSignal) {
      const deployments = names.map(find).filter((d): d is Deployment => !!d);
      // The previous pass is kept so that deployments whose refs did not change since keep
      // their state: after a rollout of one, the next status reads that one's objects only.
      const read = await readWorkspaceStates(reads(signal), deployments, lastPass);
      lastPass = read;
      problem = undefined;
      return read.states;
    },
    problem: () => problem,
    async commitsAhead(_name: string, from: string[], to: string[]) {
      // Only a hint on the lens: a failure leaves the count out.
      try {
        return await store.countCommits(from, to, COMMITS_AHEAD_LIMIT);
      } catch {
        return undefined;
      }
    },
    /**
     * HEAD and its subject in two small git processes, read once per refs change (the cache
     * keeps it). Only a hint on a lens: without a commit, or on any failure, the lens names none.
     */
    async head() {
      try {
        const sha = await store.resolveCommit('HEAD');
        if (!sha) return undefined;
        const subject = (await store.commitSubjects([sha])).get(sha);
        return subject === undefined ? { sha } : { sha, subject };
      } catch {
        return undefined;
      }
    },
  };

  const requestDeps: RequestDeps = {
    store,
    reads,
    forWrite,
    deploymentNames: () => docs.index.deploymentNames(),
    remote,
  };

  const rollout: RolloutBackend = {
    async plan(p, signal) {
      try {
        const { deployment, policy } = forWrite(p.deployment);
        const plan = await planRollout(reads(signal), deployment, { ...options(p), policy });
        return { plan: toPlan(plan) };
      } catch (err) {
        if (err instanceof RolloutError && err.kind === 'refused' && !err.reason)
          return { refusal: err.message };
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      }
    },
    async apply(p, signal) {
      const deploying = run(p.deployId, signal);
      try {
        const { deployment, policy } = forWrite(p.deployment);
        const r = await applyRollout(store, deployment, {
          ...options(p),
          ...deploying.options,
          policy,
          approve: p.approve,
          approverRole: settings().approvalRole || undefined,
          buildId: p.buildId,
          metadata: p.metadata,
          remote: remote(),
        });
        return applied(r);
      } catch (err) {
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      } finally {
        deploying.dispose();
      }
    },
    async approve(p, signal) {
      try {
        const { deployment, policy } = forWrite(p.deployment);
        const r = await approve(store, deployment, {
          policy,
          signal,
          target: p.target,
          promoteFrom: p.promoteFrom,
          gitSha: p.gitSha,
          role: p.role ?? (settings().approvalRole || undefined),
          remote: remote(),
        });
        return { notesRef: r.notesRef, commit: r.commit, message: r.message };
      } catch (err) {
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      }
    },
    async history(p, signal) {
      const deployment = find(p.deployment);
      if (!deployment) return { entries: [] };
      try {
        const entries = await history(reads(signal), deployment, {
          target: p.target,
          component: p.component,
          limit: p.limit,
        });
        // The timeline shows each SHA's subject; one cat-file batch reads them all.
        const subjects = p.subjects
          ? Object.fromEntries(
              await reads(signal).commitSubjects([...new Set(entries.map((e) => e.gitSha))]),
            )
          : undefined;
        return {
          ...(subjects ? { subjects } : {}),
          entries: entries.map((e) => ({
            tag: e.tag,
            deployment: e.deployment,
            target: e.target,
            component: e.component,
            gitSha: e.gitSha,
            timestamp: e.timestamp,
            status: e.status,
            deployedBy: e.deployedBy,
            promotedFrom: e.promotedFrom,
            rollbackOf: e.rollbackOf,
            approver: e.approver,
          })),
        };
      } catch (err) {
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      }
    },
    async planRollback(p, signal) {
      try {
        const { deployment, policy } = forWrite(p.deployment);
        // A dry run goes through exactly the checks of the rollback itself (the record, its
        // trail, the rules) and stops before the first write.
        const r = await rollback(store, deployment, {
          policy,
          signal,
          target: p.target,
          to: p.to,
          dryRun: true,
          remote: remote(),
        });
        return { plan: toPlan(r.plan) };
      } catch (err) {
        if (err instanceof RolloutError && err.kind === 'refused' && !err.reason)
          return { refusal: err.message };
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      }
    },
    async rollback(p, signal) {
      const deploying = run(p.deployId, signal);
      try {
        const { deployment, policy } = forWrite(p.deployment);
        const r = await rollback(store, deployment, {
          ...deploying.options,
          policy,
          target: p.target,
          to: p.to,
          approve: p.approve,
          approverRole: settings().approvalRole || undefined,
          remote: remote(),
        });
        return applied(r);
      } catch (err) {
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      } finally {
        deploying.dispose();
      }
    },
    requests: (p, signal) =>
      listRequests(requestDeps, p, signal).catch((err) => {
        throw toResponse(err, undefined);
      }),
    async retire(p) {
      try {
        const { deployment, policy } = forWrite(p.deployment);
        return await retireComponent(store, deployment, {
          component: p.component,
          targets: p.targets,
          policy,
          remote: remote(),
        });
      } catch (err) {
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      }
    },
    async decline(p) {
      try {
        return await decline(requestDeps, p);
      } catch (err) {
        throw toResponse(err, docs.filesOf(p.deployment)[0]);
      }
    },
    async verify(p, signal) {
      try {
        const r = await verifyRecords(reads(signal), {
          deployments: p.deployments?.length ? p.deployments : undefined,
          remote: remote(),
          policyRev: settings().policyRev || undefined,
        });
        return {
          findings: r.findings.map((f) => ({ ...f, ...placeFinding(docs, f) })),
          records: r.checked.records,
          gitProcesses: r.gitProcesses,
        };
      } catch (err) {
        throw toResponse(err, undefined);
      }
    },
  };
  return { live, rollout };
}

/** Where a finding shows in the workspace: its target's key, else the deployment's name. */
function placeFinding(
  docs: DeploymentDocuments,
  f: { deployment?: string; target?: string },
): { uri?: string; range?: P.VerifyFindingInfo['range'] } {
  if (!f.deployment) return {};
  const uri = docs.filesOf(f.deployment)[0];
  const model = uri ? docs.deployment(uri)?.deployment : undefined;
  if (!uri || !model) return {};
  const target = f.target ? model.targets.find((t) => t.name === f.target) : undefined;
  const range = target?.keyRange ?? model.name?.range ?? model.keyRange;
  return { uri, range: toRange(range) };
}

/**
 * A service result as the protocol's, saying when only records were written, and with a deploy
 * step, its waves and how each component ended (why a dependent was not run).
 */
function applied(r: ApplyResultOf): P.ApplyResult {
  const result: P.ApplyResult = { ok: r.ok, tags: r.tags, message: r.message };
  if (r.recordedOnly) result.recordedOnly = true;
  if (r.waves && !r.recordedOnly) result.waves = r.waves;
  if (r.recorded.length)
    result.components = r.recorded.map((c) => ({
      component: c.component,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
    }));
  return result;
}

function options(p: P.RolloutParams) {
  return {
    target: p.target,
    promoteFrom: p.promoteFrom,
    gitSha: p.gitSha,
    components: p.components,
    redeploy: p.redeploy,
  };
}

function toPlan(plan: RolloutPlan): P.RolloutPlan {
  return {
    deployment: plan.deployment,
    target: plan.target,
    promotedFrom: plan.promotedFrom,
    components: plan.components.map((c) => ({
      component: c.component,
      sha: c.sha,
      currentSha: c.currentSha,
    })),
    requiresApproval: plan.requiresApproval,
    approved: plan.approved,
    approvalProblem: plan.approvalProblem,
    nothingToDo: plan.nothingToDo,
    commitsAhead: plan.commitsAhead,
    subjects: plan.subjects,
    actor: plan.actor,
  };
}

/**
 * A service error as a JSON-RPC error the client can show as it is. A refusal over uncommitted
 * rules carries the file's URI, so the client can offer to open its changes.
 */
function toResponse(
  err: unknown,
  uri: string | undefined,
): ResponseError<P.RolloutErrorData> | unknown {
  if (err instanceof ResponseError) return err;
  if (err instanceof GitStoreError && err.kind === 'cancelled')
    return new ResponseError(ROLLOUT_ERROR_CODES.cancelled, err.message, { kind: 'cancelled' });
  if (err instanceof RolloutError) {
    const data: P.RolloutErrorData = { kind: err.kind };
    if (err.reason) data.reason = err.reason;
    if (err.reason === 'uncommitted-policy' && uri) data.uri = uri;
    return new ResponseError(ROLLOUT_ERROR_CODES[err.kind], err.message, data);
  }
  return err;
}
