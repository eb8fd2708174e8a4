/**
 * What `verify` reads and what it reports (design section 11). The git layer fills a
 * `TrailInput` with raw refs, objects, notes and policy files; the pure `verifyTrail` turns it
 * into findings. Nothing here runs git, so the rules of the trail can be tested and reused by
 * the language server and the rollback command without a repository.
 */

import type { AddedLine } from '../approval-count';

/** Every finding code, stable: CI, the README table and the tests rely on them. */
export const VERIFY_CODES = [
  'ref-unbacked',
  'tag-mismatch',
  'tag-unreadable',
  'source-not-allowed',
  'source-not-recorded',
  'unknown-name',
  'policy-not-on-branch',
  'policy-outdated',
  'record-rewritten',
  'policy-unreadable',
  'approval-missing',
  'approval-reused',
  'approval-unsigned',
  'approval-insufficient',
  'rollback-invalid',
  'invalid-name',
  'index-mismatch',
  'record-backdated',
] as const;

export type VerifyCode = (typeof VERIFY_CODES)[number];

export interface VerifyFinding {
  code: VerifyCode;
  /** The full ref the finding is about (`refs/tags/atmos/deployments/...`, `refs/atmos/...`). */
  ref: string;
  /** One sentence saying what is wrong and, where it helps, what to do. */
  message: string;
  deployment?: string;
  target?: string;
  component?: string;
  /** The record's own timestamp, when the finding is about a record. */
  timestamp?: string;
}

/** One ref as listed: full name and the object it points at. */
export interface TrailRef {
  ref: string;
  sha: string;
}

/** An object as read back; `tag` is set only for an annotated tag of a commit. */
export interface TrailObject {
  type: string;
  tag?: { object: string; message: string };
}

/** The deployment files of one policy commit, as paths and texts. */
export interface PolicyFiles {
  files: Array<{ path: string; text: string }>;
}

export interface TrailInput {
  /**
   * Every ref under `refs/atmos/deployments/`, `refs/tags/atmos/deployments/`,
   * `refs/atmos/index/` and `refs/notes/atmos/`, as the repository holds them (or would after
   * a push).
   */
  refs: TrailRef[];
  /** The tag objects and index objects those refs name, by SHA; missing ones are absent. */
  objects: Map<string, TrailObject>;
  /** Notes ref → annotated commit → note text. */
  notes: Map<string, Map<string, string>>;
  /**
   * Every line the commits of the approval notes refs added, with git's verdict on each notes
   * commit's signature (checked through the policy branch's `.atmos/allowed_signers`). Absent
   * when no rule uses `approval_method: review`; review approvals then count as unsigned.
   */
  noteOrigins?: AddedLine[];
  /** Policy commit → its deployment files; a commit that could not be read is absent. */
  policies: Map<string, PolicyFiles>;
  /** The tip of the policy branch (`--policy-rev`, default HEAD); undefined when it is unknown. */
  policyTip?: string;
  /** How the policy branch is named in messages (`HEAD`, `main`, the `--policy-rev`). */
  policyName: string;
  /** The `policy_sha` commits reachable from the policy tip. */
  onPolicyBranch: Set<string>;
  /** Only these deployments are checked; all of them when absent or empty. */
  deployments?: string[];
  /** Records older than this (ms since epoch) are read as history but not reported. */
  since?: number;
  /**
   * Only findings about these refs are reported (a pre-receive hook reports what the push
   * adds); everything else is still read to judge them.
   */
  onlyRefs?: Set<string>;
  /**
   * Newest record time (ms) per `deployment/target/component` as it was before a push: a pushed
   * record older than that is back-dated into history.
   */
  newestBefore?: Map<string, number>;
  /**
   * What a push does to refs that already exist (pre-receive): each updated or deleted ref with
   * its old and new value, and for a notes ref whether the new value contains the old one.
   */
  rewrites?: PushedRewrite[];
}

export interface PushedRewrite {
  ref: string;
  oldSha: string;
  /** All zeros for a deletion. */
  newSha: string;
  /** For a notes ref: true when the old commit is an ancestor of the new one. */
  fastForward?: boolean;
}

export interface TrailCounts {
  refs: number;
  tags: number;
  records: number;
  rollouts: number;
  notes: number;
  policies: number;
  indexes: number;
}

export interface TrailReport {
  findings: VerifyFinding[];
  checked: TrailCounts;
}
