/**
 * The command table: every command id the extension contributes, its handler, and whether it
 * writes git. Commands that write git refuse in an untrusted workspace with an explanation (the
 * palette and menus already hide them there through `isWorkspaceTrusted`).
 */
import * as vscode from 'vscode';
import type { PromotionNode } from '../tree/promotionsTree';
import type { CommandContext } from './context';
import { pickDeployment, targetName, type CommandArgs } from './pick';
import { approve, promote, rollBack, rollOut } from './rollout';
import { approveRequest, declineRequest, reviewRequest } from './requests';
import { retireComponent } from './retire';
import { showPlan } from './rows';
import { verifyRecords } from './verify';
import { createDeploymentFile } from './create';
import {
  compareTargets,
  revealInYaml,
  showHistory,
  showHistoryAsMarkdown,
  validateWorkspace,
} from './views';

interface CommandSpec {
  id: string;
  writesGit?: boolean;
  run(ctx: CommandContext, args?: CommandArgs & Record<string, unknown>): unknown;
}

/** A tree item, a graph message or plain arguments, as the handlers' one argument shape. */
export function toArgs(arg: unknown): (CommandArgs & Record<string, unknown>) | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as PromotionNode;
  switch (node.kind) {
    case 'deployment':
      return { deployment: node.deployment };
    case 'target':
      return { deployment: node.deployment, target: node.target };
    case 'component':
      return {
        deployment: node.deployment,
        target: node.target,
        component: node.component.component,
      };
    case 'edge':
      return {
        deployment: node.deployment,
        edge: node.edge,
        target: node.edge.to,
        from: node.edge.from,
      };
    case 'request':
      return { request: node.request };
    case 'message':
      return undefined;
    default:
      return arg as CommandArgs & Record<string, unknown>;
  }
}

export const UNTRUSTED_MESSAGE =
  'Atmos Deployments: this workspace is in Restricted Mode. Promotions, approvals and rollbacks write git records, so they are disabled until you trust the workspace, and the deploy command setting is ignored: nothing is deployed. Validation, the tree and the graph still work.';

const COMMANDS: CommandSpec[] = [
  { id: 'atmosDeployments.promote', writesGit: true, run: promote },
  { id: 'atmosDeployments.rollOut', writesGit: true, run: rollOut },
  { id: 'atmosDeployments.approve', writesGit: true, run: approve },
  { id: 'atmosDeployments.rollBack', writesGit: true, run: rollBack },
  { id: 'atmosDeployments.reviewRequest', run: reviewRequest },
  { id: 'atmosDeployments.approveRequest', writesGit: true, run: approveRequest },
  { id: 'atmosDeployments.declineRequest', writesGit: true, run: declineRequest },
  { id: 'atmosDeployments.retireComponent', writesGit: true, run: retireComponent },
  { id: 'atmosDeployments.showPlan', writesGit: true, run: showPlan },
  { id: 'atmosDeployments.showHistory', run: showHistory },
  { id: 'atmosDeployments.showHistoryAsMarkdown', run: showHistoryAsMarkdown },
  { id: 'atmosDeployments.compareTargets', run: compareTargets },
  { id: 'atmosDeployments.revealInYaml', run: revealInYaml },
  { id: 'atmosDeployments.validateWorkspace', run: validateWorkspace },
  { id: 'atmosDeployments.verifyRecords', run: verifyRecords },
  { id: 'atmosDeployments.createDeploymentFile', run: (_ctx, args) => createDeploymentFile(args) },
  {
    id: 'atmosDeployments.showGraph',
    run: async (ctx, args) => {
      const d = await pickDeployment(ctx.tree, args);
      await ctx.graph.show(d);
      return ctx.graph.lastView;
    },
  },
  {
    id: 'atmosDeployments.showInGraph',
    run: async (ctx, args) => {
      const d = await pickDeployment(ctx.tree, args);
      await ctx.graph.show(d, targetName(args));
      return ctx.graph.lastView;
    },
  },
  {
    id: 'atmosDeployments.exportGraphSvg',
    run: async (ctx, args) => {
      if (!ctx.graph.visible) await ctx.graph.show(await pickDeployment(ctx.tree, args));
      const target = args?.uri instanceof vscode.Uri ? args.uri : undefined;
      return ctx.graph.exportSvg(target);
    },
  },
  {
    id: 'atmosDeployments.pinGraph',
    run: (ctx) => {
      ctx.graph.setPinned(true);
      return ctx.graph.pinned;
    },
  },
  {
    id: 'atmosDeployments.unpinGraph',
    run: (ctx) => {
      ctx.graph.setPinned(false);
      return ctx.graph.pinned;
    },
  },
  {
    id: 'atmosDeployments.refresh',
    run: (ctx) => {
      ctx.refresh();
      return ctx.tree.loadFull();
    },
  },
  { id: 'atmosDeployments.openLog', run: (ctx) => ctx.log.show() },
];

/**
 * Commands that failed, newest last. A failure is shown to the user and logged, never thrown
 * back to VS Code; this list lets the in-host tests see what the user would have seen.
 */
export const commandFailures: Array<{ id: string; message: string }> = [];

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return COMMANDS.map((spec) =>
    vscode.commands.registerCommand(spec.id, async (arg?: unknown) => {
      if (spec.writesGit && !vscode.workspace.isTrusted) {
        ctx.log.warn(`${spec.id} refused: the workspace is not trusted`);
        void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE);
        // Shaped like a failed rollout, so callers (tests, the graph) see why nothing happened.
        return { ok: false, tags: [], message: UNTRUSTED_MESSAGE, restricted: true };
      }
      try {
        return await spec.run(ctx, toArgs(arg));
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        ctx.log.error(`${spec.id} failed: ${text}`);
        commandFailures.push({ id: spec.id, message: text });
        void vscode.window
          .showErrorMessage(`Atmos Deployments: ${text}`, 'Open Log')
          .then((c) => c && ctx.log.show());
        return undefined;
      }
    }),
  );
}

export const COMMAND_IDS = COMMANDS.map((c) => c.id);
