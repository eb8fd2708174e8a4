/**
 * The promotion graph panel: one webview beside the YAML that draws the current deployment's
 * targets and edges with live state. The host fetches data through the graph request, lays it
 * out with elkjs, and posts it to the page; the page reports clicks back. The panel follows the
 * YAML as it is edited (debounced) and highlights the target under the cursor. Its state (which
 * deployment) survives a window reload through the serializer.
 */
import * as vscode from 'vscode';
import { webviewHtml } from '../webview-html';
import { GraphRequest, type DeploymentInfo } from '../../../server/src/protocol/requests';
import { errorText } from '../log';
import type { Session } from '../session';
import { directionFor, layoutGraph } from './layout';
import { isFromWebview, type GraphState, type GraphView, type ToWebview } from './messages';

export const GRAPH_VIEW_TYPE = 'atmosDeployments.graph';
const EDIT_DEBOUNCE_MS = 300;

export interface GraphActions {
  reveal(deployment: DeploymentInfo, target: string): Thenable<unknown>;
  promote(deployment: string, from: string, to: string): Thenable<unknown>;
  /** Show History of the deployment (the promotion timeline). */
  history(deployment: DeploymentInfo): Thenable<unknown>;
  /** The deployment defined in a file, when the file is a deployment file. */
  deploymentAt(uri: string): DeploymentInfo | undefined;
}

/** The context key that tells the graph's title bar which of Pin and Unpin to show. */
export const GRAPH_PINNED_CONTEXT = 'atmosDeployments.graphPinned';

/**
 * The target whose block contains `line`: the last target key at or above the line, provided
 * every line in between is indented deeper than that key (or blank, or a comment).
 */
export function targetAtLine(
  deployment: DeploymentInfo,
  lines: (n: number) => string,
  line: number,
): string | undefined {
  const candidates = deployment.targets
    .filter((t) => t.uri === deployment.uri && t.range.start.line <= line)
    .sort((a, b) => b.range.start.line - a.range.start.line);
  const t = candidates[0];
  if (!t) return undefined;
  const indent = t.range.start.character;
  for (let n = t.range.start.line + 1; n <= line; n++) {
    const text = lines(n);
    if (!text.trim() || text.trim().startsWith('#')) continue;
    if (text.length - text.trimStart().length <= indent) return undefined;
  }
  return t.name;
}

export class GraphPanels implements vscode.WebviewPanelSerializer<GraphState>, vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: GraphState = {};
  private deployment: DeploymentInfo | undefined;
  private highlighted: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pageReady = false;
  /** The page's width in CSS pixels, which picks the layout direction. */
  private pageWidth: number | undefined;
  private readonly svgWaiters: Array<(svg: string) => void> = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly updated = new vscode.EventEmitter<ToWebview>();
  /** Fires with every message posted to the page (tests read the graph content from it). */
  readonly onDidPost = this.updated.event;
  /** The last graph posted, for tests and for Show in Graph. */
  lastView: GraphView | undefined;
  /** How many messages from the page were ignored as malformed or unoffered (tests read it). */
  ignoredMessages = 0;
  lastError: string | undefined;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly session: Session,
    private readonly log: vscode.LogOutputChannel,
    private readonly actions: GraphActions,
  ) {
    this.disposables.push(
      this.updated,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.panel && e.document.uri.toString() === this.currentUri()) {
          this.schedule(EDIT_DEBOUNCE_MS);
        }
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.followCursor(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((e) => e && this.followEditor(e)),
      session.onStateChanged(() => this.schedule(0)),
    );
  }

  get visible(): boolean {
    return !!this.panel;
  }

  get panelForTests(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  private currentUri(): string | undefined {
    return this.deployment?.uri ?? this.state.uri;
  }

  /** Opens (or reuses) the panel on a deployment; resolves once its graph has been posted. */
  async show(deployment: DeploymentInfo | undefined, highlight?: string): Promise<void> {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        GRAPH_VIEW_TYPE,
        'Promotion Graph',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.options(),
      );
      this.attach(panel);
    } else {
      this.panel.reveal(undefined, true);
    }
    if (deployment) {
      this.deployment = deployment;
      this.state = { deployment: deployment.name, uri: deployment.uri };
    }
    if (highlight) this.highlighted = highlight;
    await this.update();
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: GraphState): Promise<void> {
    this.log.info(`Restoring the promotion graph of ${state?.deployment ?? '(no deployment)'}`);
    this.state = state ?? {};
    panel.webview.options = this.options();
    this.attach(panel);
    await this.update();
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extension.extensionUri, 'dist', 'webview'),
        vscode.Uri.joinPath(this.extension.extensionUri, 'media'),
      ],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.pageReady = false;
    panel.iconPath = vscode.Uri.joinPath(this.extension.extensionUri, 'media', 'graph.svg');
    panel.webview.html = this.html(panel.webview);
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.handleMessage(m)),
      // A hidden webview is torn down (retainContextWhenHidden is off to save memory) and
      // reloads when shown; until its new page says ready, messages would be lost.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.pageReady = false;
        else this.schedule(0);
      }),
    ];
    panel.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  /**
   * Handles a message from the page; public so tests can act as the page. A message that is not
   * a well-formed `FromWebview`, or that names a target or an edge the graph does not show, is
   * logged and ignored: the page is not trusted to ask for anything the user could not click.
   */
  async handleMessage(m: unknown): Promise<void> {
    if (!isFromWebview(m)) {
      this.log.warn(`graph: ignored a malformed message from the page: ${preview(m)}`);
      this.ignoredMessages++;
      return;
    }
    if (m.type === 'reveal' && !this.deployment?.targets.some((t) => t.name === m.target)) {
      this.log.warn(`graph: ignored a reveal of a target the graph does not show: ${preview(m)}`);
      this.ignoredMessages++;
      return;
    }
    if (
      m.type === 'promote' &&
      !this.lastView?.edges.some((e) => e.from === m.from && e.to === m.to && e.promotable)
    ) {
      this.log.warn(`graph: ignored a promote of an edge the graph does not offer: ${preview(m)}`);
      this.ignoredMessages++;
      return;
    }
    switch (m.type) {
      case 'ready':
        this.log.debug(`graph: the page is ready (${m.width}px wide)`);
        this.pageReady = true;
        if (this.relayoutFor(m.width)) void this.update();
        else this.repost();
        if (this.svgWaiters.length) this.post({ type: 'requestSvg' });
        return;
      case 'refresh':
        await this.update();
        return;
      case 'resize':
        if (this.relayoutFor(m.width)) await this.update();
        return;
      case 'reveal':
        if (this.deployment) await this.actions.reveal(this.deployment, m.target);
        return;
      case 'promote':
        if (this.deployment) await this.actions.promote(this.deployment.name, m.from, m.to);
        return;
      case 'requestExport':
        await this.exportSvg();
        return;
      case 'history':
        if (this.deployment) await this.actions.history(this.deployment);
        return;
      case 'exportSvg':
        this.svgWaiters.shift()?.(m.svg);
        return;
    }
  }

  /** Records the page width; true when the layout direction changes with it. */
  private relayoutFor(width: number): boolean {
    this.pageWidth = width;
    return !!(
      this.deployment &&
      this.lastView &&
      directionFor(this.deployment, width) !== this.lastView.direction
    );
  }

  /** Asks the page for its SVG and writes it to `target` (or where the user says). */
  async exportSvg(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (!this.panel) return undefined;
    this.panel.reveal(undefined, true);
    const svg = await new Promise<string>((resolve, reject) => {
      const waiter = (s: string) => {
        clearTimeout(timeout);
        resolve(s);
      };
      const timeout = setTimeout(() => {
        this.svgWaiters.splice(this.svgWaiters.indexOf(waiter), 1);
        reject(new Error('the graph page did not answer'));
      }, 10000);
      this.svgWaiters.push(waiter);
      this.post({ type: 'requestSvg' });
    });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: 'Export promotion graph',
        filters: { SVG: ['svg'] },
        defaultUri: folder
          ? vscode.Uri.joinPath(folder, `${this.state.deployment ?? 'promotion-graph'}.svg`)
          : undefined,
      }));
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(svg));
    if (!target) void vscode.window.showInformationMessage(`Saved ${uri.fsPath}`);
    return uri;
  }

  /** Debounced refresh: typing fires many edits; the graph follows a moment later. */
  schedule(ms: number): void {
    if (!this.panel) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), ms);
  }

  private lastPosted: ToWebview | undefined;

  private repost(): void {
    if (this.lastPosted) this.post(this.lastPosted);
    this.post({ type: 'highlight', target: this.highlighted });
  }

  private post(m: ToWebview): void {
    if (m.type === 'graph' || m.type === 'error') this.lastPosted = m;
    this.updated.fire(m);
    if (this.panel && this.pageReady) void this.panel.webview.postMessage(m);
  }

  /** Bumped by every update; an update that a newer one overtook drops its result. */
  private updates = 0;

  /**
   * Fetches the graph and posts it; errors become a readable message in the page. Updates
   * overlap (an edit, then its undo, each start one), and the first layout also loads elkjs, so
   * an older update can finish last: only the newest one may post, or the page would keep a
   * graph of text that is gone.
   */
  async update(): Promise<void> {
    if (!this.panel) return;
    const seq = ++this.updates;
    const stale = () => seq !== this.updates;
    const { deployment, uri } = this.state;
    try {
      const res = await this.session.request(
        GraphRequest,
        uri ? { uri, deployment } : { deployment },
      );
      if (stale()) return;
      if (!res.deployment) {
        throw new Error(
          res.gitProblem ?? `no deployment ${deployment ?? ''} found in the workspace`,
        );
      }
      this.deployment = res.deployment;
      this.state = { deployment: res.deployment.name, uri: res.deployment.uri };
      if (this.panel)
        this.panel.title = `Promotion Graph: ${res.deployment.name}${this.isPinned ? ' (pinned)' : ''}`;
      const file = vscode.workspace.asRelativePath(vscode.Uri.parse(res.deployment.uri));
      const view = await layoutGraph(
        res.deployment,
        file,
        res.gitProblem,
        directionFor(res.deployment, this.pageWidth),
      );
      if (stale()) return;
      this.lastView = view;
      this.lastError = undefined;
      this.post({ type: 'graph', view, highlight: this.highlighted });
      const editor = vscode.window.activeTextEditor;
      if (editor) this.followCursor(editor);
    } catch (err) {
      if (stale()) return;
      this.lastError = `Promotion status unavailable: ${errorText(err)}`;
      this.log.warn(`graph: ${this.lastError}`);
      this.post({ type: 'error', message: this.lastError, deployment });
    }
  }

  /** True while the graph stays on its deployment whatever file is active. */
  get pinned(): boolean {
    return this.isPinned;
  }

  private isPinned = false;

  /** Pins the graph to its deployment, or lets it follow the active deployment file again. */
  setPinned(pinned: boolean): void {
    this.isPinned = pinned;
    void vscode.commands.executeCommand('setContext', GRAPH_PINNED_CONTEXT, pinned);
    if (this.panel && this.deployment)
      this.panel.title = `Promotion Graph: ${this.deployment.name}${pinned ? ' (pinned)' : ''}`;
    const editor = vscode.window.activeTextEditor;
    if (!pinned && editor) this.followEditor(editor);
  }

  /**
   * The graph follows the active editor to another deployment file, unless pinned: a graph that
   * stayed on one deployment while you edited another described the wrong file.
   */
  private followEditor(editor: vscode.TextEditor): void {
    const uri = editor.document.uri.toString();
    if (this.panel && !this.isPinned && uri !== this.currentUri()) {
      const next = this.actions.deploymentAt(uri);
      if (next) {
        this.deployment = next;
        this.state = { deployment: next.name, uri: next.uri };
        this.highlighted = undefined;
        void this.update();
        return;
      }
    }
    this.followCursor(editor);
  }

  private followCursor(editor: vscode.TextEditor): void {
    const d = this.deployment;
    if (!this.panel || !d || editor.document.uri.toString() !== d.uri) return;
    const doc = editor.document;
    const line = editor.selection.active.line;
    const target = targetAtLine(d, (n) => (n < doc.lineCount ? doc.lineAt(n).text : ''), line);
    if (target === this.highlighted) return;
    this.highlighted = target;
    this.post({ type: 'highlight', target });
  }

  get highlight(): string | undefined {
    return this.highlighted;
  }

  private html(webview: vscode.Webview): string {
    return webviewHtml(webview, this.extension.extensionUri, {
      script: ['dist', 'webview', 'main.js'],
      style: ['media', 'graph.css'],
      title: 'Promotion Graph',
      body: `<header id="toolbar"></header>
<div id="banner" hidden></div>
<main id="canvas" aria-label="Promotion graph"></main>`,
    });
  }

  /** The HTML of the open panel (tests check its CSP). */
  get htmlForTests(): string | undefined {
    return this.panel?.webview.html;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.panel?.dispose();
  }
}

/** A short, escaped rendering of a message for the log. */
function preview(m: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(m) ?? String(m);
  } catch {
    text = String(m);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
