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
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SERVER_EXEC_ARGV } from '../../server/src/lsp/memory';
import { WorkspaceTrustedNotification } from '../../server/src/protocol/requests';
import { describePlan, setApprovalPrompt } from './approval';
import { COMMAND_IDS, commandFailures, registerCommands } from './commands';
import type { CommandContext } from './commands/context';
import { registerReports } from './commands/reports';
import { failureNotices, openChanges, resultNotices } from './commands/notices';
import { revisionProblem } from './commands/rollout';
import { targetChoices } from './commands/pick';
import { gitNotice } from './commands/preflight';
import { blockedNotices } from './commands/rows';
import { deploymentNameProblem, suggestedName } from './commands/create';
import { revealRange } from './commands/views';
import { GRAPH_VIEW_TYPE, GraphPanels, targetAtLine } from './graph/panel';
import { TIMELINE_VIEW_TYPE, TimelinePanels } from './timeline/panel';
import { createLog, errorText } from './log';
import { Session } from './session';
import { ApprovalRequests } from './requests/requests';
import { ActiveDeploymentStatus, activeDeploymentText } from './status/active-deployment';
import { setDeclineReasonPrompt } from './commands/requests';
import { firstSteps, PromotionsTree } from './tree/promotionsTree';

/** What the extension exports; the in-host tests use it to read views and answer the modal. */
export interface AtmosDeploymentsApi {
  session: Session;
  tree: PromotionsTree;
  requests: ApprovalRequests;
  setDeclineReasonPrompt: typeof setDeclineReasonPrompt;
  graph: GraphPanels;
  /** The promotion timeline Show History opens. */
  timeline: TimelinePanels;
  /** The status bar item of the deployment file in the active editor, and its text. */
  activeStatus: ActiveDeploymentStatus;
  activeStatusText: typeof activeDeploymentText;
  setApprovalPrompt: typeof setApprovalPrompt;
  describePlan: typeof describePlan;
  targetAtLine: typeof targetAtLine;
  /** The check of the Roll Out commit box (an input box cannot be typed into from the host). */
  revisionProblem: typeof revisionProblem;
  /** The check of the Create a Deployment File name box, and its suggestion. */
  deploymentNameProblem: typeof deploymentNameProblem;
  suggestedName: typeof suggestedName;
  /** The context keys the welcome view and the walkthrough's steps read, from a status. */
  firstSteps: typeof firstSteps;
  commands: string[];
  /** Commands that failed (shown to the user and logged), for the in-host tests. */
  commandFailures: ReadonlyArray<{ id: string; message: string }>;
  /** Failure notifications of the git commands with their buttons, for the in-host tests. */
  failureNotices: ReadonlyArray<{ message: string; actions: string[]; file?: string }>;
  resultNotices: ReadonlyArray<{ message: string; actions: string[] }>;
  blockedNotices: ReadonlyArray<{ message: string; actions: string[] }>;
  targetChoices: typeof targetChoices;
  gitNotice: typeof gitNotice;
  /** What the Open Changes button of an uncommitted-rules failure does. */
  openChanges: typeof openChanges;
  languageServer: LanguageServerControl;
}

/** Deliberate control of the language server, and what the restart policy has done so far. */
export interface LanguageServerControl {
  readonly state: State;
  /** Restarts after unexpected exits since the last deliberate start. */
  readonly restarts: number;
  /** True once the server exited too often and was left down. */
  readonly gaveUp: boolean;
  /** Unexpected exits tolerated in the restart window before giving up. */
  readonly maxRestarts: number;
  /** Stops the server on purpose; it stays down until start(). */
  stop(): Promise<void>;
  /** Starts it again, with a fresh restart budget. */
  start(): Promise<void>;
}

/** The restart policy's record, shared by the error handler and the exported control. */
interface RestartLog {
  exits: number[];
  restarts: number;
  gaveUp: boolean;
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
  const requests = new ApprovalRequests(session, log);
  const tree = new PromotionsTree(session, requests);
  context.subscriptions.push(session, requests, tree);
  const activeStatus = new ActiveDeploymentStatus(tree);
  context.subscriptions.push(activeStatus);

  const ctx: CommandContext = {
    session,
    tree,
    requests,
    log,
    extension: context,
    graph: undefined as unknown as GraphPanels,
    timeline: undefined as unknown as TimelinePanels,
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
    deploymentAt: (uri) => tree.last?.deployments.find((d) => d.uri === uri),
    history: (d) =>
      vscode.commands.executeCommand<unknown>('atmosDeployments.showHistory', {
        deployment: d.name,
      }),
  });
  ctx.graph = graph;
  const timeline = new TimelinePanels(context, session, log, (name) =>
    tree.last?.deployments.find((d) => d.name === name),
  );
  ctx.timeline = timeline;
  context.subscriptions.push(
    graph,
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, graph),
    timeline,
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, timeline),
    vscode.window.createTreeView('atmosDeployments.promotions', {
      treeDataProvider: tree,
      showCollapseAll: true,
    }),
    ...registerCommands(ctx),
    registerReports(),
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
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      // The server refuses git writes until it hears the workspace is trusted.
      void client?.sendNotification(WorkspaceTrustedNotification, {});
      ctx.refresh();
    }),
  );

  const restartLog: RestartLog = { exits: [], restarts: 0, gaveUp: false };
  const lsp = createClient(context, log, files, restartLog);
  client = lsp;
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
    timeline,
    activeStatus,
    activeStatusText: activeDeploymentText,
    requests,
    setApprovalPrompt,
    setDeclineReasonPrompt,
    describePlan,
    targetAtLine,
    revisionProblem,
    deploymentNameProblem,
    suggestedName,
    firstSteps,
    commands: COMMAND_IDS,
    commandFailures,
    failureNotices,
    resultNotices,
    blockedNotices,
    targetChoices,
    gitNotice,
    openChanges,
    languageServer: {
      get state() {
        return lsp.state;
      },
      get restarts() {
        return restartLog.restarts;
      },
      get gaveUp() {
        return restartLog.gaveUp;
      },
      maxRestarts: MAX_RESTARTS,
      stop: async () => {
        log.info('Stopping the language server on request.');
        await lsp.stop();
      },
      start: async () => {
        Object.assign(restartLog, { exits: [], restarts: 0, gaveUp: false });
        await lsp.start();
        log.info('The language server started.');
      },
    },
  };
}

function createClient(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  watcher: vscode.FileSystemWatcher,
  restarts: RestartLog,
): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV] } },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6009'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml', pattern: '**/deployments/**/*.{yaml,yml}' },
      { scheme: 'vscode-remote', language: 'yaml', pattern: '**/deployments/**/*.{yaml,yml}' },
    ],
    outputChannel: log,
    synchronize: { fileEvents: watcher },
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted, commandLinks: true },
    // The hover's Show History link runs this command; no other command runs from a hover.
    markdown: { isTrusted: { enabledCommands: ['atmosDeployments.showHistory'] } },
    errorHandler: {
      // Repeated write errors on one connection shut the client down; that too leaves the
      // server down for good, so it counts as giving up.
      error: (_error, _message, count) => {
        if ((count ?? 0) <= 3) return { action: ErrorAction.Continue };
        restarts.gaveUp = true;
        log.error('The connection to the language server keeps failing; stopping it.');
        return { action: ErrorAction.Shutdown, handled: true };
      },
      // The server is restarted after an unexpected exit, but not in a loop: after MAX_RESTARTS
      // exits in a short window, or when we are stopping it ourselves, it stays down. A stop we
      // asked for (LanguageClient.stop) never reaches this handler.
      closed: () => {
        if (stopping) return { action: CloseAction.DoNotRestart, handled: true };
        const now = Date.now();
        const exits = restarts.exits;
        while (exits.length && now - exits[0] > RESTART_WINDOW_MS) exits.shift();
        exits.push(now);
        if (exits.length > MAX_RESTARTS) {
          restarts.gaveUp = true;
          log.error(
            `The language server exited ${exits.length} times in 3 minutes; not restarting it.`,
          );
          void vscode.window
            .showErrorMessage(
              'Atmos Deployments: the language server keeps exiting and was not restarted. Reload the window to try again.',
              'Open Log',
            )
            .then((c) => c && log.show());
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        restarts.restarts++;
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
