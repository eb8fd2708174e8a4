/**
 * The VS Code client: starts the language server over node IPC and stays thin. Features
 * (tree, graph, commands) live in their own modules and talk to the server through the typed
 * custom requests in server/src/protocol.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Atmos Deployments', { log: true });
  context.subscriptions.push(log);
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6009'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml', pattern: '**/deployments/**/*.{yaml,yml}' },
    ],
    outputChannel: log,
  };
  client = new LanguageClient(
    'atmosDeployments',
    'Atmos Deployments',
    serverOptions,
    clientOptions,
  );
  try {
    await client.start();
  } catch (err) {
    log.error(`The language server did not start: ${String(err)}`);
    void vscode.window.showErrorMessage(
      `Atmos Deployments: the language server did not start (${String(err)}). See the "Atmos Deployments" output.`,
    );
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
