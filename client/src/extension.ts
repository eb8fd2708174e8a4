/**
 * The VS Code client: starts the language server over node IPC and wires the views and commands
 * to it. It stays thin: the tree, the graph and the commands live in their own modules and talk
 * to the server only through the typed custom requests in server/src/protocol; nothing here runs
 * git or re-derives a promotion rule.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { describePlan, setApprovalPrompt } from './approval';
import { COMMAND_IDS, registerCommands } from './commands';
import type { CommandContext } from './commands/context';
import { revealRange } from './commands/views';
import { GRAPH_VIEW_TYPE, GraphPanels, targetAtLine } from './graph/panel';
import { createLog, errorText } from './log';
import { Session } from './session';
import { PromotionsTree } from './tree/promotionsTree';

/** What the extension exports; the in-host tests use it to read views and answer the modal. */
export interface AtmosDeploymentsApi {
  session: Session;
  tree: PromotionsTree;
  graph: GraphPanels;
  setApprovalPrompt: typeof setApprovalPrompt;
  describePlan: typeof describePlan;
  targetAtLine: typeof targetAtLine;
  commands: string[];
}

/** At most this many unexpected server exits in RESTART_WINDOW_MS before we stop restarting. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;
let stopping = false;

export async function activate(
  context: vscode.ExtensionContext,
): Promise<AtmosDeploymentsApi | undefined> {
  const log = createLog();
  context.subscriptions.push(log);
  try {
    return await start(context, log);
  } catch (err) {
    log.error(
      `Activation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    void vscode.window
      .showErrorMessage(`Atmos Deployments failed to activate: ${errorText(err)}`, 'Open Log')
      .then((c) => c && log.show());
    return undefined;
  }
}

async function start(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): Promise<AtmosDeploymentsApi> {
  const session = new Session(log);
  const tree = new PromotionsTree(session);
  context.subscriptions.push(session, tree);

  const ctx: CommandContext = {
    session,
    tree,
    log,
    extension: context,
    graph: undefined as unknown as GraphPanels,
    refresh: () => {
      tree.refresh();
      ctx.graph.schedule(0);
    },
  };
  const graph = new GraphPanels(context, session, log, {
    reveal: (d, target) => {
      const t = d.targets.find((x) => x.name === target);
      return revealRange(t?.uri ?? d.uri, t?.range ?? d.range);
    },
    promote: (deployment, from, to) =>
      vscode.commands.executeCommand<unknown>('atmosDeployments.promote', {
        deployment,
        target: to,
        from,
      }),
  });
  ctx.graph = graph;
  context.subscriptions.push(
    graph,
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, graph),
    vscode.window.createTreeView('atmosDeployments.promotions', {
      treeDataProvider: tree,
      showCollapseAll: true,
    }),
    ...registerCommands(ctx),
    session.onStateChanged(() => tree.refresh()),
  );

  // Deployment files and refs/atmos changing on disk (another terminal, the CLI, a pull) refresh
  // the views even before the server notices; both are cheap and debounced.
  let refreshTimer: NodeJS.Timeout | undefined;
  const refreshSoon = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => ctx.refresh(), 250);
  };
  context.subscriptions.push({ dispose: () => clearTimeout(refreshTimer) });
  const glob = vscode.workspace
    .getConfiguration('atmosDeployments')
    .get<string>('files', '**/deployments/**/*.{yaml,yml}');
  const files = vscode.workspace.createFileSystemWatcher(glob);
  const refs = vscode.workspace.createFileSystemWatcher(
    '**/.git/{refs/atmos/**,refs/notes/atmos/**,packed-refs}',
  );
  for (const w of [files, refs]) {
    context.subscriptions.push(
      w,
      w.onDidCreate(refreshSoon),
      w.onDidChange(refreshSoon),
      w.onDidDelete(refreshSoon),
    );
  }
  context.subscriptions.push(
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (vscode.languages.match({ pattern: glob }, d)) refreshSoon();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => ctx.refresh()),
  );

  client = createClient(context, log, files);
  try {
    await client.start();
    session.attach(client);
    log.info('The language server started.');
  } catch (err) {
    log.error(`The language server did not start: ${errorText(err)}`);
    void vscode.window
      .showErrorMessage(
        `Atmos Deployments: the language server did not start (${errorText(err)}).`,
        'Open Log',
      )
      .then((c) => c && log.show());
  }
  tree.refresh();

  return {
    session,
    tree,
    graph,
    setApprovalPrompt,
    describePlan,
    targetAtLine,
    commands: COMMAND_IDS,
  };
}

function createClient(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  watcher: vscode.FileSystemWatcher,
): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6009'] },
    },
  };
  const restarts: number[] = [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml', pattern: '**/deployments/**/*.{yaml,yml}' },
      { scheme: 'vscode-remote', language: 'yaml', pattern: '**/deployments/**/*.{yaml,yml}' },
    ],
    outputChannel: log,
    synchronize: { fileEvents: watcher },
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
    errorHandler: {
      error: (_error, _message, count) => ({
        action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      // The server is restarted after an unexpected exit, but not in a loop: after MAX_RESTARTS
      // exits in a short window, or when we are stopping it ourselves, it stays down.
      closed: () => {
        if (stopping) return { action: CloseAction.DoNotRestart, handled: true };
        const now = Date.now();
        while (restarts.length && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
        restarts.push(now);
        if (restarts.length > MAX_RESTARTS) {
          log.error(
            `The language server exited ${restarts.length} times in 3 minutes; not restarting it.`,
          );
          void vscode.window
            .showErrorMessage(
              'Atmos Deployments: the language server keeps exiting and was not restarted. Reload the window to try again.',
              'Open Log',
            )
            .then((c) => c && log.show());
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        log.warn('The language server exited unexpectedly; restarting it.');
        return { action: CloseAction.Restart, handled: true };
      },
    },
  };
  return new LanguageClient('atmosDeployments', 'Atmos Deployments', serverOptions, clientOptions);
}

export async function deactivate(): Promise<void> {
  stopping = true;
  await client?.stop();
}
