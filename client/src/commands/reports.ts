/**
 * Read-only documents for the reports the commands generate (history, and Compare Targets when
 * the Git extension cannot diff). An untitled document is dirty from the start, so closing a
 * report asked "Do you want to save the changes you made to # History: …?" about text nobody
 * wrote; a document served by a content provider is read-only and closes without asking.
 */
import * as vscode from 'vscode';

export const REPORT_SCHEME = 'atmos-deployments-report';

const texts = new Map<string, string>();
let opened = 0;

/** Serves the reports; the text of a report is dropped when its document is closed. */
export function registerReports(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, {
      provideTextDocumentContent: (uri) => texts.get(uri.toString()) ?? '',
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme === REPORT_SCHEME) texts.delete(doc.uri.toString());
    }),
  );
}

/**
 * Opens a Markdown report titled `title` (its tab shows the title). Each call gets its own URI,
 * so a report opened again shows the new text at once rather than a cached copy of the old.
 */
export async function openReport(title: string, markdown: string): Promise<vscode.TextDocument> {
  const name = title.replace(/[\\/:*?"<>|\p{Cc}]+/gu, '-');
  const uri = vscode.Uri.from({
    scheme: REPORT_SCHEME,
    path: `/${name}.md`,
    query: String(++opened),
  });
  texts.set(uri.toString(), markdown);
  return vscode.workspace.openTextDocument(uri);
}
