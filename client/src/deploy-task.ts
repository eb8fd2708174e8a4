/**
 * The deploy step of a Promote, Roll Out or Roll Back, shown as a VS Code task in the terminal.
 * The language server runs the deploy command (the same waves, variables, timeout and records
 * as the CLI's `--exec`) and streams its lines as `atmosDeployments/deployOutput`; this module
 * only shows them: a task whose Pseudoterminal prints each line as it arrives, and the wave
 * that runs now for the progress notification. Nothing about the order is derived here.
 */
import * as vscode from 'vscode';
import type { DeployOutputParams } from '../../server/src/protocol/requests';

/** The task type of the deploy step (declared under `taskDefinitions` in package.json). */
export const DEPLOY_TASK_TYPE = 'atmosDeployments.deploy';

export interface DeployTask extends vscode.Disposable {
  /** Sent with the request, so the server's notifications for it reach this terminal. */
  readonly deployId: string;
  /** Fires with the wave line (`Deploying wave 2/3: db, api`) as each wave starts. */
  readonly onWave: vscode.Event<string>;
  /** Fires when the user presses Ctrl+C in the terminal or ends the task. */
  readonly onStop: vscode.Event<void>;
  /** Prints the outcome and ends the task with the exit code the CLI would give. */
  finish(message: string, ok: boolean): void;
}

let next = 0;

/**
 * Starts the task named `title` and routes the notifications carrying its id into its
 * terminal. Lines that arrive before VS Code opens the terminal are kept and printed on open.
 */
export async function startDeployTask(
  title: string,
  outputs: vscode.Event<DeployOutputParams>,
): Promise<DeployTask> {
  const deployId = `deploy-${process.pid}-${Date.now()}-${++next}`;
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number>();
  const wave = new vscode.EventEmitter<string>();
  const stop = new vscode.EventEmitter<void>();
  let opened = false;
  let ended = false;
  const pending: string[] = [];
  const print = (line: string) => {
    // A terminal moves to the next line only on CR LF.
    const text = `${line.replace(/\r?\n/g, '\r\n')}\r\n`;
    if (opened) write.fire(text);
    else pending.push(text);
  };
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      opened = true;
      for (const text of pending.splice(0)) write.fire(text);
    },
    close: () => {
      // The user closed the terminal or ended the task: as Ctrl+C, the deploy steps stop.
      if (!ended) stop.fire();
    },
    handleInput: (data: string) => {
      if (data.includes('\x03') && !ended) {
        print('^C Stopping the deploy steps; what finished will be recorded.');
        stop.fire();
      }
    },
  };
  const listening = outputs((p) => {
    if (p.deployId !== deployId) return;
    if (p.kind === 'wave') wave.fire(p.line);
    else print(p.line);
  });
  const task = new vscode.Task(
    { type: DEPLOY_TASK_TYPE },
    vscode.TaskScope.Workspace,
    title,
    'Atmos Deployments',
    new vscode.CustomExecution(async () => pty),
  );
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    panel: vscode.TaskPanelKind.Dedicated,
    clear: true,
    echo: false,
  };
  print(`${title}: the language server runs the deploy command for each component.`);
  await vscode.tasks.executeTask(task);
  return {
    deployId,
    onWave: wave.event,
    onStop: stop.event,
    finish(message: string, ok: boolean) {
      if (ended) return;
      print(message);
      ended = true;
      close.fire(ok ? 0 : 1);
    },
    dispose() {
      listening.dispose();
      for (const e of [write, close, wave, stop]) e.dispose();
    },
  };
}
