/** The shape every rule has: a pure function from a parsed file to its problems. */
import type { AllowedSigners } from '../allowed-signers';
import type { PromotionGraph } from '../graph';
import type { Deployment, DeploymentFile } from '../model';
import type { Problem } from '../problem';
import type { RecordedComponents } from '../recorded-conflicts';
import type { IndexedFile, WorkspaceIndex } from '../workspace';

export interface RuleContext {
  file: DeploymentFile;
  /** Present for files whose `deployment:` mapping could be read. */
  deployment?: Deployment;
  graph?: PromotionGraph;
  workspace?: WorkspaceIndex<IndexedFile>;
  /** The committed `.atmos/allowed_signers`, when the caller read it; see `approver-no-key`. */
  allowedSigners?: AllowedSigners;
  /** What git has recorded, when the caller read it; see `recorded-component-conflict`. */
  recorded?: RecordedComponents;
}

export type Rule = (ctx: RuleContext) => Problem[];
