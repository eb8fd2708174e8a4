/**
 * The HTML page of a webview panel (the graph, the timeline): one script and one stylesheet
 * from the extension, under a strict Content Security Policy. Nothing may load but what the
 * extension ships (`default-src 'none'`), and only the script carrying this page's nonce runs;
 * the body is fixed markup that the script fills in, so no name ever reaches the HTML here.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewPage {
  /** The bundled script, relative to the extension (`dist/webview/main.js`). */
  script: string[];
  /** The stylesheet, relative to the extension (`media/graph.css`). */
  style: string[];
  title: string;
  /** The page's fixed elements, which the script fills in. */
  body: string;
}

export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: WebviewPage,
): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...page.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...page.style));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${page.title}</title>
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
