/**
 * A status bar item for the deployment file in the active editor: its name and where its
 * promotions stand (`payment-service: 1 ready · 1 blocked`), from the same status the
 * Promotions view shows (the server's edge states, never re-derived here). A click opens the
 * promotion graph of that deployment. Hidden when the active editor is not a deployment file.
 */
import * as vscode from 'vscode';
import type { DeploymentInfo } from '../../../server/src/protocol/requests';
import type { PromotionsTree } from '../tree/promotionsTree';

/** The item's text and tooltip for one deployment; exported for the in-host tests. */
export function activeDeploymentText(d: DeploymentInfo): { text: string; tooltip: string } {
  const name = d.name;
  if (d.errors) {
    return {
      text: `$(error) ${name}: ${d.errors} error${d.errors === 1 ? '' : 's'}`,
      tooltip: `${name}: the deployment file has ${d.errors} error${d.errors === 1 ? '' : 's'} (see Problems).`,
    };
  }
  const count = (pred: (s: string) => boolean) => d.edges.filter((e) => pred(e.state)).length;
  const ready = count((s) => s.startsWith('ready'));
  const blocked = count((s) => s === 'blocked');
  const upToDate = count((s) => s === 'up to date');
  const parts: string[] = [];
  if (ready) parts.push(`${ready} ready`);
  if (blocked) parts.push(`${blocked} blocked`);
  if (!parts.length) parts.push(upToDate ? 'up to date' : 'no promotions');
  const edges = d.edges.map((e) => `${e.from} → ${e.to}: ${e.label}`);
  return {
    text: `$(rocket) ${name}: ${parts.join(' · ')}`,
    // A plain string: names are text, never Markdown.
    tooltip: [`${name} (click for the promotion graph)`, ...edges].join('\n'),
  };
}

export class ActiveDeploymentStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'atmosDeployments.activeDeployment',
    vscode.StatusBarAlignment.Left,
    40,
  );
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The deployment shown, for the in-host tests. */
  shown: string | undefined;

  constructor(private readonly tree: PromotionsTree) {
    this.item.name = 'Atmos Deployments: active deployment';
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => void this.update()),
      tree.onDidChangeTreeData(() => void this.update()),
    );
    void this.update();
  }

  /** The item's current text, for the in-host tests. */
  get text(): string | undefined {
    return this.shown === undefined ? undefined : this.item.text;
  }

  async update(): Promise<void> {
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const status = uri ? await this.tree.loadFull() : undefined;
    // The editor may have changed while the status was read: only the current one is shown.
    if (vscode.window.activeTextEditor?.document.uri.toString() !== uri) return;
    const d =
      status && 'deployments' in status ? status.deployments.find((x) => x.uri === uri) : undefined;
    if (!d) {
      this.shown = undefined;
      this.item.hide();
      return;
    }
    const { text, tooltip } = activeDeploymentText(d);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.command = {
      title: 'Show Graph',
      command: 'atmosDeployments.showGraph',
      arguments: [{ deployment: d.name }],
    };
    this.shown = d.name;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.item.dispose();
  }
}
