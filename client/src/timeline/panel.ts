/**
 * The promotion timeline panel, which Show History opens: the host reads the history (with the
 * commit subjects) through the history request and posts it; the page draws the lanes and
 * reports clicks. A click on a mark opens that record's report, and "Open as Markdown" the table
 * Show History used to open, so nothing the table said is lost. Its state (which deployment)
 * survives a window reload through the serializer.
 */
import * as vscode from 'vscode';
import { webviewHtml } from '../webview-html';
import {
  HistoryRequest,
  type DeploymentInfo,
  type HistoryEntry,
} from '../../../server/src/protocol/requests';
import { openReport } from '../commands/reports';
import { errorText } from '../log';
import type { Session } from '../session';
import { historyMarkdown, recordMarkdown } from './markdown';
import { isFromTimeline, type TimelineData, type TimelineState, type ToTimeline } from './messages';

export const TIMELINE_VIEW_TYPE = 'atmosDeployments.timeline';
/** The most records the timeline reads; the page says when older ones were left out. */
export const TIMELINE_LIMIT = 10_000;
const REFRESH_DEBOUNCE_MS = 300;

export interface TimelineOptions {
  target?: string;
  component?: string;
}

export class TimelinePanels
  implements vscode.WebviewPanelSerializer<TimelineState>, vscode.Disposable
{
  private panel: vscode.WebviewPanel | undefined;
  private deployment: string | undefined;
  /** The deployment's targets in promotion order, the lanes' order. */
  private targets: string[] = [];
  private options: TimelineOptions = {};
  private pageReady = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<ToTimeline>();
  /** Fires with every message posted to the page. */
  readonly onDidPost = this.posted.event;
  /** The last history posted (tests and "Open as Markdown" read it). */
  lastData: TimelineData | undefined;
  lastError: string | undefined;
  /** How many messages from the page were ignored as malformed or unoffered (tests read it). */
  ignoredMessages = 0;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly session: Session,
    private readonly log: vscode.LogOutputChannel,
    /** The deployment of that name as the tree last read it, for its targets' order. */
    private readonly deploymentNamed: (name: string) => DeploymentInfo | undefined,
  ) {
    this.disposables.push(
      this.posted,
      // Records change in bursts (a rollout writes a tag per component); one read follows.
      session.onStateChanged(() => this.schedule(REFRESH_DEBOUNCE_MS)),
    );
  }

  get panelForTests(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  /** Opens (or reuses) the panel on a deployment; resolves once its history has been posted. */
  async show(
    info: DeploymentInfo,
    options: TimelineOptions = {},
  ): Promise<TimelineData | undefined> {
    const deployment = info.name;
    this.targets = info.targets.map((t) => t.name);
    if (!this.panel) {
      this.attach(
        vscode.window.createWebviewPanel(
          TIMELINE_VIEW_TYPE,
          `History: ${deployment}`,
          { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
          this.webviewOptions(),
        ),
      );
    } else {
      this.panel.reveal(undefined, false);
    }
    this.deployment = deployment;
    this.options = options;
    await this.update();
    return this.lastData;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: TimelineState): Promise<void> {
    this.deployment = typeof state?.deployment === 'string' ? state.deployment : undefined;
    this.targets = [];
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
    await this.update();
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
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
    panel.webview.html = this.html(panel.webview);
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.handleMessage(m)),
      // A hidden webview is torn down and reloads when shown; it says ready again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.pageReady = false;
      }),
    ];
    panel.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  /**
   * Handles a message from the page; public so tests can act as the page. A message that is not
   * a well-formed `FromTimeline`, or that asks to open a tag the timeline does not show, is
   * logged and ignored.
   */
  async handleMessage(m: unknown): Promise<void> {
    if (!isFromTimeline(m)) {
      this.ignore('a malformed message', m);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.pageReady = true;
        if (this.lastPosted) void this.panel?.webview.postMessage(this.lastPosted);
        return;
      case 'refresh':
        await this.update();
        return;
      case 'markdown':
        await this.openMarkdown();
        return;
      case 'open': {
        const entries = this.lastData?.entries ?? [];
        const i = entries.findIndex((e) => e.tag === m.tag);
        if (i < 0) {
          this.ignore('an open of a tag the timeline does not show', m);
          return;
        }
        await this.openRecord(entries[i], entries.slice(i + 1));
        return;
      }
    }
  }

  private ignore(what: string, m: unknown): void {
    let text: string;
    try {
      text = JSON.stringify(m) ?? String(m);
    } catch {
      text = String(m);
    }
    this.log.warn(`timeline: ignored ${what} from the page: ${text.slice(0, 200)}`);
    this.ignoredMessages++;
  }

  /** The history as the Markdown table, with the target and component Show History was given. */
  async openMarkdown(): Promise<vscode.TextDocument | undefined> {
    const data = this.lastData;
    if (!data) return undefined;
    const entries = data.entries.filter(
      (e) =>
        (!data.target || e.target === data.target) &&
        (!data.component || e.component === data.component),
    );
    const title = [data.deployment, data.target, data.component].filter(Boolean).join('/');
    const doc = await openReport(`History of ${title}`, historyMarkdown(title, entries));
    await vscode.window.showTextDocument(doc, {
      preview: true,
      viewColumn: vscode.ViewColumn.Beside,
    });
    return doc;
  }

  /** One record's report; `older` are the records after it in history (older ones). */
  async openRecord(e: HistoryEntry, older: HistoryEntry[]): Promise<vscode.TextDocument> {
    const previous = older.find(
      (o) => o.target === e.target && o.component === e.component && o.status !== 'failed',
    );
    const subject = this.lastData?.subjects[e.gitSha];
    const doc = await openReport(
      `${e.target} ${e.component} ${e.gitSha.slice(0, 7)}`,
      recordMarkdown(e, subject, previous),
    );
    await vscode.window.showTextDocument(doc, {
      preview: true,
      viewColumn: vscode.ViewColumn.Beside,
    });
    return doc;
  }

  /** A refresh after the records changed; a burst of changes reads the history once. */
  schedule(ms: number): void {
    if (!this.panel) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), ms);
  }

  private lastPosted: ToTimeline | undefined;

  private post(m: ToTimeline): void {
    this.lastPosted = m;
    this.posted.fire(m);
    if (this.panel && this.pageReady) void this.panel.webview.postMessage(m);
  }

  private updates = 0;

  async update(): Promise<void> {
    const deployment = this.deployment;
    if (!this.panel || !deployment) return;
    const seq = ++this.updates;
    try {
      const res = await this.session.request(HistoryRequest, {
        deployment,
        limit: TIMELINE_LIMIT,
        subjects: true,
      });
      if (seq !== this.updates) return;
      // After a reload the tree may not have read the deployments yet when the panel returns.
      const info = this.deploymentNamed(deployment);
      if (info) this.targets = info.targets.map((t) => t.name);
      this.lastData = {
        deployment,
        targets: this.targets,
        entries: res.entries,
        subjects: res.subjects ?? {},
        limit: TIMELINE_LIMIT,
        ...this.options,
      };
      this.lastError = undefined;
      if (this.panel) this.panel.title = `History: ${deployment}`;
      this.post({ type: 'timeline', data: this.lastData });
    } catch (err) {
      if (seq !== this.updates) return;
      this.lastError = `The history of ${deployment} is unavailable: ${errorText(err)}`;
      this.log.warn(`timeline: ${this.lastError}`);
      this.post({ type: 'error', message: this.lastError });
    }
  }

  private html(webview: vscode.Webview): string {
    return webviewHtml(webview, this.extension.extensionUri, {
      script: ['dist', 'webview', 'timeline.js'],
      style: ['media', 'timeline.css'],
      title: 'Promotion History',
      body: `<header id="toolbar"></header>
<div id="banner" hidden></div>
<main id="timeline" aria-label="Promotion timeline"></main>
<div id="details" hidden></div>
<section id="where" aria-label="What was where"></section>`,
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
