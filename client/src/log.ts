/**
 * The extension's one output channel. It is a LogOutputChannel so that levels, timestamps and
 * the "Set Log Level" action work, and the same channel is handed to the language client so that
 * the server's messages and the client's own land in one place.
 */
import * as vscode from 'vscode';

export const LOG_NAME = 'Atmos Deployments';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(LOG_NAME, { log: true });
}

/** Turns anything thrown into one readable line for the user and the log. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
