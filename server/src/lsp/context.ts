/**
 * What every feature function receives besides the document and position: the workspace's
 * documents and index, and live state. Features never see the LSP connection.
 */
import type { DeploymentDocuments } from './documents';
import type { LiveState } from './live-state';

export interface FeatureContext {
  docs: DeploymentDocuments;
  live: LiveState;
  /** Whether the client renders markdown in hovers and documentation. */
  markdown: boolean;
  /** Whether the client applies workspace edits with change annotations (and asks about them). */
  changeAnnotations: boolean;
  /** Completion lists may use `itemDefaults` for the edit range and data (capabilities.ts). */
  completionDefaults?: boolean;
  /** Completion items may leave `detail` to `completionItem/resolve`. */
  resolveDetail?: boolean;
  /**
   * Whether hovers may carry `command:` links to the client's own commands (the VS Code client
   * says so in `initializationOptions.commandLinks`); other editors would show dead links.
   */
  commandLinks: boolean;
}
