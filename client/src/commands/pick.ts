/**
 * Quick picks shared by the commands: which deployment, which target, which source. Each takes
 * whatever the caller already knows (a tree item, graph edge or explicit arguments) and asks only
 * for the rest, so one command works from the palette, the tree and the graph alike.
 */
import { displayName } from '../../../server/src/core/display';
import * as vscode from 'vscode';
import type { DeploymentInfo, EdgeInfo, TargetInfo } from '../../../server/src/protocol/requests';
import type { PromotionsTree } from '../tree/promotionsTree';

/** What a command may be invoked with: a tree node, a graph message, or a test's arguments. */
export interface CommandArgs {
  deployment?: string | DeploymentInfo;
  target?: string | TargetInfo;
  from?: string;
  edge?: EdgeInfo;
  gitSha?: string;
  to?: string;
}

export function deploymentName(args: CommandArgs | undefined): string | undefined {
  const d = args?.deployment;
  return typeof d === 'string' ? d : d?.name;
}

export function targetName(args: CommandArgs | undefined): string | undefined {
  const t = args?.target ?? args?.edge?.to;
  return typeof t === 'string' ? t : t?.name;
}

export async function pickDeployment(
  tree: PromotionsTree,
  args: CommandArgs | undefined,
): Promise<DeploymentInfo | undefined> {
  const status = await tree.load();
  if ('error' in status) {
    void vscode.window.showErrorMessage(`Atmos Deployments: ${status.error}`);
    return undefined;
  }
  const wanted = deploymentName(args) ?? activeDeploymentName(status.deployments);
  if (wanted) {
    const found = status.deployments.find((d) => d.name === wanted);
    if (found) return found;
    void vscode.window.showErrorMessage(
      `Unknown deployment ${wanted}. Known: ${status.deployments.map((d) => d.name).join(', ') || '(none)'}.`,
    );
    return undefined;
  }
  if (!status.deployments.length) {
    void vscode.window.showInformationMessage('No deployment files in this workspace.');
    return undefined;
  }
  if (status.deployments.length === 1) return status.deployments[0];
  const picked = await vscode.window.showQuickPick(
    status.deployments.map((d) => ({
      label: displayName(d.name),
      description: vscode.workspace.asRelativePath(vscode.Uri.parse(d.uri)),
      detail: d.targets.map((t) => t.name).join(' · '),
      deployment: d,
    })),
    { title: 'Deployment', placeHolder: 'Which deployment?' },
  );
  return picked?.deployment;
}

/** The deployment of the file in the active editor, so commands default to what you look at. */
function activeDeploymentName(deployments: DeploymentInfo[]): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  if (!uri) return undefined;
  return deployments.find((d) => d.uri === uri)?.name;
}

export async function pickTarget(
  deployment: DeploymentInfo,
  args: CommandArgs | undefined,
  filter: (t: TargetInfo) => boolean,
  title: string,
  { single }: { single?: 'pick' } = {},
): Promise<TargetInfo | undefined> {
  const wanted = targetName(args);
  if (wanted) {
    const found = deployment.targets.find((t) => t.name === wanted);
    if (!found) {
      void vscode.window.showErrorMessage(
        `Unknown target ${wanted} in ${deployment.name}. Known: ${deployment.targets.map((t) => t.name).join(', ')}.`,
      );
    }
    return found;
  }
  const candidates = deployment.targets.filter(filter);
  if (!candidates.length) {
    void vscode.window.showInformationMessage(
      `${displayName(deployment.name)} has no target for this.`,
    );
    return undefined;
  }
  // Where the next step shows what will happen and asks anyway (Roll Out's commit box and its
  // confirmation), a choice of one is made without a picker.
  if (single === 'pick' && candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((t) => ({
      label: displayName(t.name),
      description: t.entryPoint ? 'entry point' : `from ${t.sources.map(displayName).join(', ')}`,
      detail: incoming(deployment, t.name)
        .map((e) => `${e.from} → ${e.to}: ${e.label}`)
        .join('   '),
      target: t,
    })),
    { title, placeHolder: 'Which target?' },
  );
  return picked?.target;
}

export function incoming(deployment: DeploymentInfo, target: string): EdgeInfo[] {
  return deployment.edges.filter((e) => e.to === target);
}

export async function pickSource(
  deployment: DeploymentInfo,
  target: TargetInfo,
  args: CommandArgs | undefined,
): Promise<string | undefined> {
  if (args?.from) return args.from;
  if (args?.edge) return args.edge.from;
  const edges = incoming(deployment, target.name);
  if (edges.length === 1) return edges[0].from;
  const picked = await vscode.window.showQuickPick(
    edges.map((e) => ({
      label: displayName(e.from),
      description: e.label,
      detail: e.why,
      edge: e,
    })),
    { title: `Promote to ${displayName(target.name)} from`, placeHolder: 'Which source target?' },
  );
  return picked?.edge.from;
}
