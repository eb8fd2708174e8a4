/**
 * Multi-root workspaces: each workspace folder may sit in its own git repository (or in none).
 * These wrappers send each deployment's live-state read and rollout request to the backends of
 * the folder that holds its file, so two repositories never mix their records.
 */
import type { DeployedState } from '../core';
import type {
  ApprovalRequestsParams,
  ApprovalRequestsResult,
  VerifyParams,
  VerifyResult,
} from '../protocol/requests';
import type { DeploymentDocuments } from './documents';
import type { GitBackends } from './git-backends';
import type { LiveState } from './live-state';
import { UnavailableRollout, type RolloutBackend } from './rollout-backend';

/** Per folder URI: its backends, or why it has none. */
export type FolderBackends = Map<string, GitBackends | string>;

export class GitRouter {
  constructor(
    private readonly docs: DeploymentDocuments,
    private readonly folders: FolderBackends,
    private readonly fallbackWhy = 'the workspace has no folder on disk',
  ) {}

  /** The backends (or the reason there are none) for a deployment name. */
  private pick(deploymentName: string | undefined): GitBackends | string {
    const uri = deploymentName === undefined ? undefined : this.docs.filesOf(deploymentName)[0];
    const folder = (uri && this.docs.folderOf(uri)) || this.docs.getFolders()[0];
    return (folder && this.folders.get(folder.uri)) ?? this.fallbackWhy;
  }

  readonly live: LiveState = {
    deployed: async (name: string, signal?: AbortSignal): Promise<DeployedState> => {
      const b = this.pick(name);
      return typeof b === 'string' ? {} : b.live.deployed(name, signal);
    },
    problem: (name?: string): string | undefined => {
      const b = this.pick(name);
      return typeof b === 'string' ? b : b.live.problem(name);
    },
    commitsAhead: async (name: string, from: string[], to: string[]) => {
      const b = this.pick(name);
      return typeof b === 'string' ? undefined : b.live.commitsAhead(name, from, to);
    },
    head: async (name: string) => {
      const b = this.pick(name);
      return typeof b === 'string' ? undefined : b.live.head?.(name);
    },
    // One pass per repository: the names grouped by the folder that holds their files.
    deployedMany: async (names: string[], signal?: AbortSignal) => {
      const groups = new Map<GitBackends, string[]>();
      for (const name of names) {
        const b = this.pick(name);
        if (typeof b !== 'string') groups.set(b, [...(groups.get(b) ?? []), name]);
      }
      const out = new Map<string, DeployedState>();
      for (const [b, group] of groups) {
        if (!b.live.deployedMany) continue;
        for (const [name, state] of await b.live.deployedMany(group, signal)) out.set(name, state);
      }
      return out;
    },
  };

  private backend(deploymentName: string | undefined): RolloutBackend {
    const b = this.pick(deploymentName);
    return typeof b === 'string'
      ? new UnavailableRollout(`Git records are not available: ${b}.`)
      : b.rollout;
  }

  readonly rollout: RolloutBackend = {
    plan: (p, signal) => this.backend(p?.deployment).plan(p, signal),
    apply: (p, signal) => this.backend(p?.deployment).apply(p, signal),
    approve: (p, signal) => this.backend(p?.deployment).approve(p, signal),
    history: (p, signal) => this.backend(p?.deployment).history(p, signal),
    planRollback: (p, signal) => this.backend(p?.deployment).planRollback(p, signal),
    rollback: (p, signal) => this.backend(p?.deployment).rollback(p, signal),
    verify: (p, signal) => this.verify(p, signal),
    requests: (p, signal) => this.requests(p, signal),
    decline: (p, signal) => this.backend(p?.deployment).decline(p, signal),
    retire: (p, signal) => this.backend(p?.deployment).retire(p, signal),
  };

  /** The approval requests of every repository of the workspace, joined. */
  private async requests(
    p: ApprovalRequestsParams | undefined,
    signal?: AbortSignal,
  ): Promise<ApprovalRequestsResult> {
    const out: ApprovalRequestsResult = { requests: [], problems: [] };
    for (const b of this.folders.values()) {
      if (typeof b === 'string') continue;
      const r = await b.rollout.requests(p ?? {}, signal);
      out.requests.push(...r.requests);
      out.problems.push(...r.problems);
    }
    return out;
  }

  /**
   * Verifies each repository once: the named deployments grouped by the folder that holds
   * them, or every folder with git records when none is named, with the results joined.
   */
  private async verify(p: VerifyParams | undefined, signal?: AbortSignal): Promise<VerifyResult> {
    const named = Array.isArray(p?.deployments)
      ? p.deployments.filter((d): d is string => typeof d === 'string')
      : [];
    const groups = new Map<RolloutBackend, string[]>();
    if (named.length)
      for (const d of named) {
        const b = this.backend(d);
        groups.set(b, [...(groups.get(b) ?? []), d]);
      }
    else {
      for (const b of this.folders.values()) if (typeof b !== 'string') groups.set(b.rollout, []);
      if (groups.size === 0) groups.set(this.backend(undefined), []);
    }
    const out: VerifyResult = { findings: [], records: 0, gitProcesses: 0 };
    for (const [backend, deployments] of groups) {
      const r = await backend.verify({ deployments }, signal);
      out.findings.push(...r.findings);
      out.records += r.records;
      out.gitProcesses += r.gitProcesses;
    }
    return out;
  }
}
