/**
 * The Promotions view: deployment → target → component, plus one item per promotion edge with
 * its state. Everything comes from the server's status request; the tree derives nothing about
 * promotion rules itself, so it always agrees with the CLI, the hover and the code lens.
 */
import * as vscode from 'vscode';
import {
  StatusRequest,
  type ApprovalRequestInfo,
  type DeployedComponentInfo,
  type DeploymentInfo,
  type EdgeInfo,
  type StatusResult,
  type TargetInfo,
} from '../../../server/src/protocol/requests';
import { requestDetail, requestSource } from '../requests/requests';
import type { ApprovalRequests } from '../requests/requests';
import type { Session } from '../session';

export type PromotionNode =
  | { kind: 'deployment'; deployment: DeploymentInfo }
  | { kind: 'target'; deployment: DeploymentInfo; target: TargetInfo }
  | {
      kind: 'component';
      deployment: DeploymentInfo;
      target: TargetInfo;
      component: DeployedComponentInfo;
    }
  | { kind: 'edge'; deployment: DeploymentInfo; edge: EdgeInfo }
  | { kind: 'request'; request: ApprovalRequestInfo }
  | { kind: 'message'; text: string; detail?: string; icon: string };

/** Short SHA as git prints it by default. */
export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : '';
}

/** The context value of an edge, which the menus in package.json match on. */
export function edgeContext(edge: EdgeInfo): string {
  if (edge.state === 'blocked') return 'edge.blocked';
  if (edge.state === 'up to date') return 'edge.upToDate';
  return edge.requiresApproval ? 'edge.ready.approval' : 'edge.ready';
}

function edgeIcon(edge: EdgeInfo): vscode.ThemeIcon {
  switch (edge.state) {
    case 'ready':
      return new vscode.ThemeIcon('arrow-circle-right', new vscode.ThemeColor('charts.green'));
    case 'ready, requires approval':
      return new vscode.ThemeIcon('shield', new vscode.ThemeColor('charts.yellow'));
    case 'up to date':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('descriptionForeground'));
    case 'blocked':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('charts.red'));
  }
}

function targetDescription(target: TargetInfo): string {
  const parts: string[] = [];
  if (target.entryPoint) parts.push('entry point');
  // A rule whose sources are all invalid (`allowed_from: []`, a list under `from`) has none to
  // name; "from" with nothing after it read as a rendering glitch.
  else if (!target.sources.length) parts.push('no valid source (see Problems)');
  else parts.push(`from ${target.sources.join(', ')}`);
  if (target.requiresApproval) parts.push('requires approval');
  return parts.join(' · ');
}

/**
 * How far the workspace is along the first steps, as context keys: the welcome view shows while
 * there is no deployment, and the walkthrough's steps complete on them (a deployment file, a
 * first rollout to an entry point, a first promotion).
 */
export function firstSteps(r: StatusResult): Record<string, boolean> {
  const targets = r.deployments.flatMap((d) => d.targets);
  const deployed = (t: TargetInfo) => t.components.some((c) => c.sha);
  return {
    hasDeployments: r.deployments.length > 0,
    rolledOut: targets.some((t) => t.entryPoint && deployed(t)),
    promoted: targets.some((t) => !t.entryPoint && deployed(t)),
  };
}

export class PromotionsTree implements vscode.TreeDataProvider<PromotionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PromotionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private status: Promise<StatusResult | { error: string }> | undefined;
  /** The full answer (with the records) of the current refresh. */
  private full: Promise<StatusResult | { error: string }> | undefined;
  /** Whether `full` has settled: from then on the view shows it, whichever answered first. */
  private fullSettled = false;
  /** The last answer, for commands that pick a deployment or target without asking again. */
  last: StatusResult | undefined;

  constructor(
    private readonly session: Session,
    private readonly requests?: ApprovalRequests,
  ) {}

  refresh(): void {
    this.status = undefined;
    this.full = undefined;
    this.fullSettled = false;
    this.requests?.refresh();
    this.changed.fire(undefined);
  }

  /**
   * The current status, fetched once per refresh and shared by every caller. Two requests go
   * out at once: the deployments from the files alone (no git, so it answers at once even in a
   * monorepo of thousands) and their full state. Whichever answers first is shown; when that
   * was the quick one, the view is redrawn with the full state as soon as it arrives.
   */
  load(): Promise<StatusResult | { error: string }> {
    if (this.status) return this.fullSettled && this.full ? this.full : this.status;
    const full = (this.full = this.session.request(StatusRequest, {}).then(
      (r) => {
        this.fullSettled = true;
        this.last = r;
        for (const [key, value] of Object.entries(firstSteps(r)))
          void vscode.commands.executeCommand('setContext', `atmosDeployments.${key}`, value);
        return r;
      },
      (err: unknown) => {
        this.fullSettled = true;
        return { error: err instanceof Error ? err.message : String(err) };
      },
    ));
    const quick = this.quickStatus().then(
      (r) => r,
      () => undefined,
    );
    const first = Promise.race([
      full.then((r) => ({ r, quick: false })),
      quick.then((q) => (q ? { r: q, quick: true } : full.then((r) => ({ r, quick: false })))),
    ]);
    const shown = first.then((x) => x.r);
    this.status = shown;
    void first.then(async (x) => {
      if (!x.quick) return;
      await full;
      // A refresh meanwhile started its own requests; this answer is then out of date.
      if (this.status !== shown) return;
      this.status = full;
      this.changed.fire(undefined);
    });
    return shown;
  }

  /**
   * The deployments from the files alone, without git: each `pending`, with no edge states.
   * The view shows it until the full status answers.
   */
  quickStatus(): Promise<StatusResult> {
    return this.session.request(StatusRequest, { withoutRecords: true });
  }

  /** The full status (with what is deployed), for commands that decide from it. */
  loadFull(): Promise<StatusResult | { error: string }> {
    void this.load();
    return this.full!;
  }

  async getChildren(node?: PromotionNode): Promise<PromotionNode[]> {
    if (!node) {
      const status = await this.load();
      if ('error' in status) {
        return [
          {
            kind: 'message',
            text: `Promotion status unavailable: ${status.error}`,
            icon: 'warning',
          },
        ];
      }
      const items: PromotionNode[] = status.deployments.map((deployment) => ({
        kind: 'deployment',
        deployment,
      }));
      if (status.gitProblem && items.length) {
        items.unshift({ kind: 'message', text: status.gitProblem, icon: 'info' });
      }
      return items;
    }
    switch (node.kind) {
      case 'deployment': {
        // Open approval requests come first: they are what someone is waiting on.
        const requests = (await this.requests?.load()) ?? [];
        return [
          ...requests
            .filter((r) => r.deployment === node.deployment.name)
            .map((request): PromotionNode => ({ kind: 'request', request })),
          ...node.deployment.targets.map((target): PromotionNode => ({
            kind: 'target',
            deployment: node.deployment,
            target,
          })),
          ...node.deployment.edges.map((edge): PromotionNode => ({
            kind: 'edge',
            deployment: node.deployment,
            edge,
          })),
        ];
      }
      case 'target':
        if (node.deployment.pending)
          return [{ kind: 'message', text: 'reading the records…', icon: 'loading~spin' }];
        if (!node.target.components.length) {
          return [{ kind: 'message', text: 'no components declared', icon: 'circle-outline' }];
        }
        return node.target.components.map((component) => ({
          kind: 'component',
          deployment: node.deployment,
          target: node.target,
          component,
        }));
      default:
        return [];
    }
  }

  getTreeItem(node: PromotionNode): vscode.TreeItem {
    switch (node.kind) {
      case 'deployment': {
        const d = node.deployment;
        const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `d/${d.name}`;
        item.contextValue = 'deployment';
        item.iconPath = new vscode.ThemeIcon(
          'rocket',
          d.errors ? new vscode.ThemeColor('charts.red') : undefined,
        );
        const count = `${d.targets.length} target${d.targets.length === 1 ? '' : 's'}`;
        item.description = d.errors
          ? `${count} · ${d.errors} error${d.errors === 1 ? '' : 's'}`
          : count;
        if (d.pending) item.description += ' · reading the records…';
        item.resourceUri = vscode.Uri.parse(d.uri);
        item.tooltip = `${d.name} (${vscode.workspace.asRelativePath(item.resourceUri)})`;
        if (d.cycles.length) {
          item.tooltip += `\nCycles: ${d.cycles.map((c) => c.join(' → ')).join('; ')}`;
        }
        return item;
      }
      case 'target': {
        const t = node.target;
        const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `d/${node.deployment.name}/t/${t.name}`;
        item.contextValue = t.entryPoint ? 'target.entry' : 'target';
        item.description = targetDescription(t);
        item.iconPath = new vscode.ThemeIcon(
          t.entryPoint ? 'debug-start' : t.requiresApproval ? 'shield' : 'server-environment',
        );
        const deployed = t.components.filter((c) => c.sha).length;
        item.tooltip = `${t.name}: ${item.description}\n${deployed} of ${t.components.length} components deployed`;
        // A click or Enter shows the target's key in the YAML; the twistie still expands it.
        item.command = {
          command: 'atmosDeployments.revealInYaml',
          title: 'Reveal in YAML',
          arguments: [node],
        };
        return item;
      }
      case 'component': {
        const c = node.component;
        const item = new vscode.TreeItem(c.component, vscode.TreeItemCollapsibleState.None);
        item.id = `d/${node.deployment.name}/t/${node.target.name}/c/${c.component}`;
        item.contextValue = c.sha ? 'component.deployed' : 'component';
        item.description = c.sha
          ? [shortSha(c.sha), c.age].filter(Boolean).join(' · ')
          : 'not deployed';
        item.iconPath = new vscode.ThemeIcon(c.sha ? 'package' : 'circle-outline');
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${escapeMd(c.component)}** in ${escapeMd(node.target.name)}\n\n`);
        if (c.sha) {
          md.appendMarkdown(`- SHA: ${codeSpan(c.sha)}\n`);
          if (c.deployedAt)
            md.appendMarkdown(`- Deployed: ${escapeMd(c.deployedAt)} (${escapeMd(c.age ?? '')})\n`);
          if (c.deployedBy) md.appendMarkdown(`- Last promoter: ${escapeMd(c.deployedBy)}\n`);
          if (c.promotedFrom) md.appendMarkdown(`- Promoted from: ${escapeMd(c.promotedFrom)}\n`);
          if (c.tag) md.appendMarkdown(`- Tag: ${codeSpan(c.tag)}\n`);
        } else {
          md.appendMarkdown('Nothing deployed yet.');
        }
        item.tooltip = md;
        return item;
      }
      case 'edge': {
        const e = node.edge;
        const item = new vscode.TreeItem(
          `${e.from} → ${e.to}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `d/${node.deployment.name}/e/${e.from}/${e.to}`;
        item.contextValue = edgeContext(e);
        item.description = e.label;
        item.iconPath = edgeIcon(e);
        const lines = [`${e.from} → ${e.to}: ${e.label}`];
        if (e.why) lines.push(e.why);
        for (const ch of e.changes) {
          lines.push(
            `${ch.component}: ${shortSha(ch.targetSha) || '(none)'} → ${shortSha(ch.sourceSha) || '(none)'}`,
          );
        }
        item.tooltip = lines.join('\n');
        // A click or Enter opens the edge's plan (or, when blocked, why and how to unblock it).
        item.command = {
          command: 'atmosDeployments.showPlan',
          title: 'Show Plan',
          arguments: [node],
        };
        return item;
      }
      case 'request': {
        const r = node.request;
        const item = new vscode.TreeItem(
          `${requestSource(r)} → ${r.target}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `d/${r.deployment}/r/${r.target}/${r.requestedAt}`;
        item.contextValue = r.yours ? 'request.yours' : 'request';
        item.description = `${r.yours ? 'yours to approve · ' : ''}requested by ${r.requestedBy} · ${r.summary}`;
        item.iconPath = new vscode.ThemeIcon(
          'git-pull-request',
          new vscode.ThemeColor(r.yours ? 'charts.yellow' : 'descriptionForeground'),
        );
        item.tooltip = `Approval request: ${r.deployment} ${requestSource(r)} → ${r.target}\n${requestDetail(r)}`;
        // A click or Enter opens the review, the one action every request offers.
        item.command = {
          command: 'atmosDeployments.reviewRequest',
          title: 'Review',
          arguments: [r],
        };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'message';
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.detail ?? node.text;
        return item;
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Names come from a repository we do not control, so they are escaped before Markdown sees them. */
function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, (ch) => `\\${ch}`);
}

/**
 * Inline code for a SHA or tag name. Markdown does not process backslash escapes inside a code
 * span, so escapeMd there would show its backslashes (`payment\-service`); instead the fence is
 * made longer than any run of backticks in the text, which is how CommonMark quotes them.
 */
function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
