/** What every command handler gets: the server session, the views to refresh and the log. */
import type * as vscode from 'vscode';
import type { GraphPanels } from '../graph/panel';
import type { Session } from '../session';
import type { PromotionsTree } from '../tree/promotionsTree';

export interface CommandContext {
  session: Session;
  tree: PromotionsTree;
  graph: GraphPanels;
  log: vscode.LogOutputChannel;
  extension: vscode.ExtensionContext;
  /** Refreshes the tree and every open graph after something changed. */
  refresh(): void;
}
