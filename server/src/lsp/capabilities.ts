/**
 * Every capability the server declares, in one place, so what the server promises and what
 * session.ts registers handlers for can be compared at a glance.
 */
import {
  CodeActionKind,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type ServerCapabilities,
} from 'vscode-languageserver';

/** Characters after which completion should pop up on its own. */
export const COMPLETION_TRIGGERS = [':', ' ', '[', ',', '-'];

export function serverCapabilities(_client: ClientCapabilities): ServerCapabilities {
  return {
    textDocumentSync: {
      openClose: true,
      change: TextDocumentSyncKind.Incremental,
      save: { includeText: false },
    },
    completionProvider: { triggerCharacters: COMPLETION_TRIGGERS, resolveProvider: true },
    hoverProvider: true,
    definitionProvider: true,
    referencesProvider: true,
    renameProvider: { prepareProvider: true },
    documentSymbolProvider: true,
    foldingRangeProvider: true,
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true },
    codeLensProvider: { resolveProvider: true },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
}

/** What the client can do that changes how the server behaves. */
export interface ClientFeatures {
  configuration: boolean;
  workspaceFolders: boolean;
  dynamicWatchedFiles: boolean;
  codeLensRefresh: boolean;
  markdown: boolean;
  changeAnnotations: boolean;
  /**
   * The client fills in an item's edit range and data from the list's `itemDefaults` (LSP
   * 3.17), so a list of thousands of targets need not repeat them in every item.
   */
  completionDefaults: boolean;
  /** The client asks `completionItem/resolve` for an item's `detail` when it shows it. */
  resolveDetail: boolean;
}

export function clientFeatures(c: ClientCapabilities): ClientFeatures {
  return {
    configuration: !!c.workspace?.configuration,
    workspaceFolders: !!c.workspace?.workspaceFolders,
    dynamicWatchedFiles: !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    codeLensRefresh: !!c.workspace?.codeLens?.refreshSupport,
    markdown: !!c.textDocument?.hover?.contentFormat?.includes('markdown'),
    // Annotated edits travel in documentChanges, so both are needed.
    changeAnnotations:
      !!c.workspace?.workspaceEdit?.changeAnnotationSupport &&
      !!c.workspace?.workspaceEdit?.documentChanges,
    completionDefaults: ['editRange', 'data'].every((d) =>
      c.textDocument?.completion?.completionList?.itemDefaults?.includes(d),
    ),
    resolveDetail:
      !!c.textDocument?.completion?.completionItem?.resolveSupport?.properties.includes('detail'),
  };
}
