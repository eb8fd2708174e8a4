/**
 * What the views show of a deployment (targets, edges, deployed components, dependencies),
 * shared by `atmosDeployments/graph` and `atmosDeployments/status`; part of the protocol of
 * requests.ts, which re-exports it, and covered by the same documentation hash.
 */
import type { Range } from 'vscode-languageserver-protocol';

/** What is deployed for one component of one target, read from `refs/atmos/deployments`. */
export interface DeployedComponentInfo {
  component: string;
  /** Full commit SHA, absent when nothing was ever deployed there. */
  sha?: string;
  /** ISO 8601 time of the rollout that put this SHA there. */
  deployedAt?: string;
  /** Human age such as `2h ago`, computed by the server so every view agrees. */
  age?: string;
  deployedBy?: string;
  /** The annotated tag that recorded the rollout. */
  tag?: string;
  promotedFrom?: string;
}

export interface TargetInfo {
  name: string;
  uri: string;
  /** The target's key in the YAML. */
  range: Range;
  entryPoint: boolean;
  requiresApproval: boolean;
  /** Targets it may be promoted from. */
  sources: string[];
  components: DeployedComponentInfo[];
}

export type EdgeState = 'ready' | 'ready, requires approval' | 'up to date' | 'blocked';

export interface EdgeInfo {
  from: string;
  to: string;
  state: EdgeState;
  /** `ready`, `up to date`, `blocked (nothing deployed in staging)`: the text every view shows. */
  label: string;
  why?: string;
  requiresApproval: boolean;
  changes: Array<{ component: string; sourceSha?: string; targetSha?: string }>;
}

/** A component, what it depends on (`metadata.depends_on`) and its deploy wave. */
export interface ComponentDependencyInfo {
  component: string;
  /** `terraform`, `helmfile`, `nixpack`. */
  type: string;
  /** The components it is deployed after (its resolved `depends_on` entries). */
  dependsOn: string[];
  /** Its wave when every component is rolled out, from 0: the graph draws it in that column. */
  wave: number;
}

export interface DeploymentInfo {
  name: string;
  uri: string;
  /** The `name:` value in the YAML. */
  range: Range;
  /** Targets in promotion order. */
  targets: TargetInfo[];
  edges: EdgeInfo[];
  /** Each cycle as a path that returns to its start. */
  cycles: string[][];
  /** Number of error diagnostics in the deployment's file. */
  errors: number;
  /** Every component with its dependencies, for the graph's "Show component dependencies". */
  dependencies?: ComponentDependencyInfo[];
  /**
   * Answered without the git records (`StatusParams.withoutRecords`): nothing is known of what
   * is deployed, so the targets carry no deployed components and `edges` is empty.
   */
  pending?: boolean;
}

/**
 * The step that unblocks a blocked edge: put something on its source first, by a rollout of a
 * commit when the source is an entry point, else by a promotion into it. The code lens of a
 * blocked edge carries it, so the client offers the step without deriving it from the rules.
 */
export interface UnblockStep {
  kind: 'rollOut' | 'promote';
  /** The edge's source: the target that needs something deployed. */
  target: string;
  /** For `rollOut`: the commit HEAD was at when the lens was made, so the step rolls out what it names. */
  gitSha?: string;
  /** The button's words: `Roll Out HEAD (abc1234) to dev`, `Promote to staging`. */
  title: string;
}

/** The arguments of a blocked edge's code lens, which runs `atmosDeployments.showPlan`. */
export interface BlockedLensArgs {
  deployment: string;
  edge: EdgeInfo;
  unblock?: UnblockStep;
}

/** The arguments of an entry point's code lens, which runs `atmosDeployments.rollOut`. */
export interface RollOutLensArgs {
  deployment: string;
  target: string;
  /** The full SHA of HEAD as the lens names it; absent when git cannot tell (the client asks). */
  gitSha?: string;
}
