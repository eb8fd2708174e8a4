/**
 * The standard LSP requests on a document (completion, hover, navigation, rename, symbols,
 * folding, code actions, code lenses). Each handler only looks up the document, calls its
 * feature function and returns; a closed or unknown document, or a failure, answers empty.
 */
import { ResponseError, type Connection } from 'vscode-languageserver';
import type { FeatureContext } from './context';
import { codeActions } from './features/code-actions';
import { codeLenses } from './features/code-lens';
import { completion, resolveCompletion } from './features/completion';
import { hover } from './features/hover';
import { definition, prepareRename, references, rename } from './features/navigation';
import { documentSymbols, foldingRanges } from './features/symbols';
import { canonicalUri } from './uris';

export interface DocumentRequestDeps {
  connection: Connection;
  isOpen: (uri: string) => boolean;
  ctx: () => FeatureContext;
  logError: (message: string) => void;
  /** Resolves once the start has finished (git connected): lenses wait for it. */
  ready: Promise<void>;
}

export function registerDocumentRequests(d: DocumentRequestDeps): void {
  const { connection, ctx, logError, ready } = d;
  /** Wraps a document request: closed or unknown documents and failures answer `empty`. */
  function onDoc<P extends { textDocument: { uri: string } }, R>(
    name: string,
    empty: R,
    fn: (uri: string, params: P) => R | Promise<R>,
  ): (params: P) => Promise<R> {
    return async (params: P) => {
      const uri = params?.textDocument?.uri;
      if (typeof uri !== 'string' || !d.isOpen(uri)) return empty;
      try {
        return await fn(canonicalUri(uri), params);
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        logError(`${name} failed for ${uri}: ${(err as Error)?.stack ?? String(err)}`);
        return empty;
      }
    };
  }

  connection.onCompletion(
    onDoc('completion', null, (uri, p) => completion(ctx(), uri, p.position)),
  );
  connection.onCompletionResolve((item) => {
    try {
      return resolveCompletion(ctx(), item);
    } catch (err) {
      logError(`completionItem/resolve failed: ${(err as Error)?.stack ?? String(err)}`);
      return item;
    }
  });
  connection.onHover(onDoc('hover', null, (uri, p) => hover(ctx(), uri, p.position)));
  connection.onDefinition(onDoc('definition', [], (uri, p) => definition(ctx(), uri, p.position)));
  connection.onReferences(
    onDoc('references', [], (uri, p) =>
      references(ctx(), uri, p.position, p.context?.includeDeclaration ?? true),
    ),
  );
  connection.onPrepareRename(
    onDoc('prepareRename', null, (uri, p) => prepareRename(ctx(), uri, p.position)),
  );
  connection.onRenameRequest(
    onDoc('rename', null, (uri, p) => rename(ctx(), uri, p.position, p.newName)),
  );
  connection.onDocumentSymbol(onDoc('documentSymbol', [], (uri) => documentSymbols(ctx(), uri)));
  connection.onFoldingRanges(onDoc('foldingRange', [], (uri) => foldingRanges(ctx(), uri)));
  connection.onCodeAction(
    onDoc('codeAction', [], (uri, p) => codeActions(ctx(), uri, p.range, p.context)),
  );
  // Lenses wait for the start to finish: one asked for earlier would read the empty live state
  // that stands in before git is connected, and name no commit until the next edit.
  connection.onCodeLens(
    onDoc('codeLens', [], async (uri) => {
      await ready;
      return codeLenses(ctx(), uri);
    }),
  );
}
