/**
 * The deploy step: a shell command run once per component of a rollout, with the ATMOS_*
 * variables naming what moves. The CLI runs `--exec` with it and the language server runs the
 * `atmosDeployments.deployCommand` setting, so both run the same command the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { DeployOutcome, DeployStep, PlannedComponent, RolloutPlan } from './types';

export interface ExecDeployOptions {
  /**
   * Sends the command's output to stderr: JSON output and the language server (whose stdout is
   * the protocol) must keep stdout for themselves.
   */
  quietStdout?: boolean;
  /** The folder the command runs in; the process's own by default. */
  cwd?: string;
  /** A command still running after this long is stopped and its component fails (`--deploy-timeout`). */
  timeoutMs?: number;
  /** Where the prefixed output lines go instead of stdout and stderr (the editor, tests). */
  onLine?: (line: string, fromStderr: boolean) => void;
}

/** The default `--deploy-timeout`: half an hour, after which a hung command is stopped. */
export const DEFAULT_DEPLOY_TIMEOUT_MS = 30 * 60 * 1000;

/** How much of a component's output the result keeps: its end, where failures are told. */
const KEPT_OUTPUT = 64 * 1024;

/** The environment a deploy command runs with, besides the process's own. */
export function deployEnv(
  c: PlannedComponent,
  plan: RolloutPlan,
  step: DeployStep,
): Record<string, string> {
  return {
    ATMOS_DEPLOYMENT: plan.deployment,
    ATMOS_TARGET: plan.target,
    ATMOS_COMPONENT: c.component,
    ATMOS_COMPONENT_TYPE: step.type,
    ATMOS_GIT_SHA: c.sha,
    // Empty for a commit rolled onto an entry point, which has no source target.
    ATMOS_PROMOTED_FROM: plan.promotedFrom ?? '',
    // Stack names and globs may hold commas ({a,b}); JSON keeps them apart.
    ATMOS_STACKS: JSON.stringify(step.stacks),
    ATMOS_VARS: JSON.stringify(step.vars),
  };
}

/** Process groups of the deploy commands running now, stopped when this process exits. */
const running = new Set<ChildProcess>();

function stopGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    // The command runs in its own process group, so what its shell started is stopped too.
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Commands run in their own process groups (so a timeout stops all they started), which also
 * keeps a terminal's Ctrl+C from reaching them: the CLI turns Ctrl+C into the rollout's
 * `stopDeploy`, which stops them and records them. Should this process exit while some still
 * run (the language server shutting down), they are stopped rather than left behind.
 */
function stopAllOnExit() {
  for (const child of running) stopGroup(child, 'SIGTERM');
}

function track(child: ChildProcess) {
  if (running.size === 0) process.on('exit', stopAllOnExit);
  running.add(child);
  child.once('close', () => {
    running.delete(child);
    if (running.size === 0) process.removeListener('exit', stopAllOnExit);
  });
}

/**
 * A deploy step that runs `command` through the user's shell; it succeeds when it exits 0.
 * Its output is streamed line by line as `component | line` (components of one wave run at
 * once, so each line says whose it is), and its end is kept for the result.
 */
export function execDeploy(command: string, options: ExecDeployOptions = {}) {
  const { quietStdout, cwd, timeoutMs = DEFAULT_DEPLOY_TIMEOUT_MS } = options;
  // The command's stderr stays on stderr, and its stdout goes to stdout unless that is taken.
  const write =
    options.onLine ??
    ((line: string, fromStderr: boolean) =>
      (quietStdout || fromStderr ? process.stderr : process.stdout).write(`${line}\n`));
  return (c: PlannedComponent, plan: RolloutPlan, step: DeployStep, stop?: AbortSignal) =>
    new Promise<DeployOutcome>((resolve) => {
      let kept = '';
      let timedOut = false;
      let stopped = false;
      const child = spawn(command, {
        shell: true,
        cwd,
        detached: true,
        windowsHide: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...deployEnv(c, plan, step) },
      });
      track(child);
      const timer = setTimeout(() => {
        timedOut = true;
        stopGroup(child, 'SIGTERM');
        // A command that ignores SIGTERM is killed a few seconds later.
        setTimeout(() => stopGroup(child, 'SIGKILL'), 5000).unref();
      }, timeoutMs);
      const onStop = () => {
        stopped = true;
        stopGroup(child, 'SIGTERM');
        setTimeout(() => stopGroup(child, 'SIGKILL'), 5000).unref();
      };
      if (stop?.aborted) onStop();
      else stop?.addEventListener('abort', onStop, { once: true });
      const lines = (stream: NodeJS.ReadableStream | null, fromStderr: boolean) => {
        let partial = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          kept = (kept + chunk).slice(-KEPT_OUTPUT);
          const parts = (partial + chunk).split(/\r?\n/);
          partial = parts.pop() ?? '';
          for (const l of parts) write(`${c.component} | ${l}`, fromStderr);
        });
        stream?.on('end', () => {
          if (partial) write(`${c.component} | ${partial}`, fromStderr);
        });
      };
      lines(child.stdout, false);
      lines(child.stderr, true);
      const done = (ok: boolean, reason?: string) => {
        clearTimeout(timer);
        stop?.removeEventListener('abort', onStop);
        resolve({ ok, ...(kept ? { output: kept } : {}), ...(reason ? { reason } : {}) });
      };
      child.on('error', (err) => done(false, `the command could not start: ${err.message}`));
      child.on('close', (code, signal) => {
        // A command that finished its work before the stop reached it succeeded.
        if (code === 0) done(true);
        else if (stopped) done(false, 'stopped: the rollout was interrupted');
        else if (timedOut)
          done(false, `stopped after ${Math.round(timeoutMs / 1000)} s (--deploy-timeout)`);
        else done(false, signal ? `ended by ${signal}` : `exit status ${code}`);
      });
    });
}
