/** What every command handler gets: the server session, the views to refresh and the log. */
import type * as vscode from 'vscode';
import type { GraphPanels } from '../graph/panel';
import type { Session } from '../session';
import type { TimelinePanels } from '../timeline/panel';
import type { ApprovalRequests } from '../requests/requests';
import type { PromotionsTree } from '../tree/promotionsTree';

export interface CommandContext {
  session: Session;
  tree: PromotionsTree;
  /** Open approval requests, the status bar item and the notifications of new ones. */
  requests: ApprovalRequests;
  graph: GraphPanels;
  /** The promotion timeline, which Show History opens. */
  timeline: TimelinePanels;
  log: vscode.LogOutputChannel;
  extension: vscode.ExtensionContext;
  /** Refreshes the tree and every open graph after something changed. */
  refresh(): void;
}
