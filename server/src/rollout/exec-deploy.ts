/**
 * The deploy step: a shell command run once per component of a rollout, with the ATMOS_*
 * variables naming what moves. The CLI runs `--exec` with it and the language server runs the
 * `atmosDeployments.deployCommand` setting, so both run the same command the same way.
 */
import { spawn } from 'node:child_process';
import type { PlannedComponent, RolloutPlan } from './types';

export interface ExecDeployOptions {
  /**
   * Sends the command's output to stderr: JSON output and the language server (whose stdout is
   * the protocol) must keep stdout for themselves.
   */
  quietStdout?: boolean;
  /** The folder the command runs in; the process's own by default. */
  cwd?: string;
}

/** A deploy step that runs `command` through the user's shell; it succeeds when it exits 0. */
export function execDeploy(command: string, { quietStdout, cwd }: ExecDeployOptions = {}) {
  return (c: PlannedComponent, plan: RolloutPlan) =>
    new Promise<boolean>((resolve) => {
      const child = spawn(command, {
        shell: true,
        cwd,
        stdio: ['ignore', quietStdout ? 2 : 1, 2],
        env: {
          ...process.env,
          ATMOS_DEPLOYMENT: plan.deployment,
          ATMOS_TARGET: plan.target,
          ATMOS_COMPONENT: c.component,
          ATMOS_GIT_SHA: c.sha,
        },
      });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
}
