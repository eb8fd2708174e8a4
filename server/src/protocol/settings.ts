/**
 * The server's settings (section `atmosDeployments`), part of the protocol of requests.ts,
 * which re-exports them, and covered by the same documentation hash.
 */

/** Settings, section `atmosDeployments`, pulled per workspace folder. */
export interface Settings {
  /** Glob of files that may hold a deployment. */
  files: string;
  /** Git remote that is the shared source of truth, or empty for the local repository only. */
  remote: string;
  /** `approver_role` written into approval notes. */
  approvalRole: string;
  /** Files larger than this many bytes are not checked. */
  maxFileSize: number;
  /** The most alias expansions a document may need (billion-laughs protection). */
  maxAliasCount: number;
  /** The deepest nesting of mappings and lists accepted. */
  maxDepth: number;
  /** The most YAML nodes a deployment file is checked with. */
  maxNodes: number;
  /** Deploy command run per component during a rollout, or empty for none. */
  deployCommand: string;
  /**
   * Revision whose deployment files hold the rules that writes follow (design section 11);
   * empty: HEAD, or the remote's default branch when `remote` is set.
   */
  policyRev: string;
  /**
   * Seconds between looks at the remote for approval requests (with `remote` set); 0 turns it
   * off. Never polls in an untrusted workspace.
   */
  requestPollInterval: number;
}

export const DEFAULT_SETTINGS: Settings = {
  files: '**/deployments/**/*.{yaml,yml}',
  remote: '',
  approvalRole: '',
  maxFileSize: 5 * 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
  maxNodes: 200_000,
  deployCommand: '',
  policyRev: '',
  requestPollInterval: 60,
};
