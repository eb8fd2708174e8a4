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
  const status = await tree.loadFull();
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
    // Said before any other question, with the step that makes one.
    const create = 'Create a Deployment File';
    void vscode.window
      .showInformationMessage(
        'Atmos Deployments: this workspace has no deployment file yet (deployments/*.yaml). Create one to describe your targets, then promote.',
        create,
      )
      .then((c) =>
        c === create
          ? vscode.commands.executeCommand('atmosDeployments.createDeploymentFile')
          : undefined,
      );
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
  return pickAmong(deployment, targetChoices(deployment, candidates), title);
}

/** A row of the target picker: a target, or the step that unblocks one. */
export interface TargetChoice extends vscode.QuickPickItem {
  target?: TargetInfo;
  /** Why the target cannot be picked now; such a row never closes the picker. */
  blocked?: string;
  /** The target whose promotion or rollout unblocks a blocked one. */
  unblock?: string;
}

/**
 * The rows of the target picker: targets that can be promoted first, then a separator and the
 * blocked ones, each with why and the step that would unblock it. A target is blocked when every
 * edge into it is (nothing deployed in its source, a promotion cycle); choosing it used to fail
 * later in a toast, so it is shown with the reason instead and cannot be chosen.
 */
export function targetChoices(
  deployment: DeploymentInfo,
  candidates: TargetInfo[],
): TargetChoice[] {
  const open: TargetChoice[] = [];
  const blocked: TargetChoice[] = [];
  for (const t of candidates) {
    const edges = incoming(deployment, t.name);
    const detail = edges.map((e) => `${e.from} → ${e.to}: ${e.label}`).join('   ');
    const isBlocked =
      !t.entryPoint && edges.length > 0 && edges.every((e) => e.state === 'blocked');
    if (!isBlocked) {
      open.push({
        label: displayName(t.name),
        description: t.entryPoint ? 'entry point' : `from ${t.sources.map(displayName).join(', ')}`,
        detail,
        target: t,
      });
      continue;
    }
    const why = edges.map((e) => e.why ?? e.label).join('; ');
    // A source with nothing deployed is unblocked by putting something there first; a cycle
    // is not, so that row only explains.
    const empty = edges.find((e) => /^nothing deployed in /.test(e.why ?? ''));
    blocked.push({
      label: `$(lock) ${displayName(t.name)}`,
      description: `blocked: ${why}`,
      detail: empty
        ? `Cannot be chosen yet: choose it to promote to ${displayName(empty.from)} first.`
        : 'Cannot be chosen: fix the deployment file first.',
      target: t,
      blocked: why,
      unblock: empty?.from,
    });
  }
  if (!blocked.length) return open;
  return [...open, { label: 'Blocked', kind: vscode.QuickPickItemKind.Separator }, ...blocked];
}

/**
 * The picker itself. Choosing a blocked row does not pick it: when a step unblocks it (promoting
 * to or rolling out on its empty source), that step is started instead; otherwise the picker
 * stays open and its title says why.
 */
async function pickAmong(
  deployment: DeploymentInfo,
  choices: TargetChoice[],
  title: string,
): Promise<TargetInfo | undefined> {
  const qp = vscode.window.createQuickPick<TargetChoice>();
  qp.title = title;
  qp.placeholder = 'Which target?';
  qp.items = choices;
  lastTargetPicker = qp;
  const picked = await new Promise<TargetChoice | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const choice = qp.selectedItems[0];
      if (!choice) return;
      if (choice.blocked && !choice.unblock) {
        qp.title = `${displayName(choice.target?.name ?? '')} is blocked: ${choice.blocked}`;
        return;
      }
      resolve(choice);
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (lastTargetPicker === qp) lastTargetPicker = undefined;
  if (picked?.unblock) {
    // The step that unblocks it: Promote to the empty source (which rolls out on an entry point).
    void vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment: deployment.name,
      target: picked.unblock,
    });
    return undefined;
  }
  return picked?.target;
}

/** The open target picker, for the in-host tests (a quick pick cannot be read otherwise). */
export let lastTargetPicker: vscode.QuickPick<TargetChoice> | undefined;

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
