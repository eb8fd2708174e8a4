/**
 * The deploy step of a rollout or rollback requested by the editor: the `deployCommand`
 * setting run by the rollout service (the same waves, variables, timeout and records as the
 * CLI's `--exec`), with its lines streamed to the client as `atmosDeployments/deployOutput`
 * notifications, and the request's cancellation turned into what Ctrl+C is in the CLI once the
 * deploy steps have started.
 */
import { execDeploy, type ApplyOptions } from '../rollout';
import type { DeployOutputParams } from '../protocol/requests';

/** Sends one line to the client (the connection's notification). */
export type DeployOutputSink = (params: DeployOutputParams) => void;

export interface DeployRun {
  /** The deploy step, or undefined when no command is configured (records only). */
  deploy: ApplyOptions['deploy'];
  /** Cancels the rollout before its first write (the service's `signal`). */
  signal: AbortSignal;
  stopDeploy: AbortSignal;
  onDeployStart: () => void;
  onWave: (index: number, waves: string[][]) => void;
  onProgress: (line: string) => void;
  /** Stops listening to the request's cancellation. */
  dispose: () => void;
}

/**
 * Ties a rollout request to its deploy step. Before the deploy steps start, cancelling the
 * request cancels the rollout (nothing is written, as before). Once they have started, it
 * stops the running commands and starts no more, and the rollout records what finished and the
 * stopped ones as failed in its one transaction: the request's own signal must then stay
 * unaborted, since the service still reads through it on the way to that transaction.
 */
export function deployRun(options: {
  command: string;
  cwd: string;
  deployId?: string;
  signal?: AbortSignal;
  send?: DeployOutputSink;
}): DeployRun {
  const { command, cwd, deployId, signal, send } = options;
  const before = new AbortController();
  const stop = new AbortController();
  let started = false;
  const onCancel = () => (started ? stop : before).abort();
  if (signal?.aborted) before.abort();
  else signal?.addEventListener('abort', onCancel, { once: true });
  const emit = (p: Omit<DeployOutputParams, 'deployId'>) => {
    if (deployId && send) send({ deployId, ...p });
  };
  const deploy = command
    ? execDeploy(command, {
        cwd,
        onLine: (line, stderr) => {
          // The server's stdout is the protocol: the log keeps every line on stderr as before.
          process.stderr.write(`${line}\n`);
          emit({ kind: 'output', line, ...(stderr ? { stderr } : {}) });
        },
      })
    : undefined;
  return {
    deploy,
    signal: before.signal,
    stopDeploy: stop.signal,
    onDeployStart: () => {
      started = true;
    },
    onWave: (index, waves) =>
      emit({
        kind: 'wave',
        line: `Deploying wave ${index + 1}/${waves.length}: ${waves[index].join(', ')}`,
        wave: { index, count: waves.length, components: waves[index] },
      }),
    // Only a rollout with a deploy step streams: without one there is no terminal to show.
    onProgress: (line) => {
      if (deploy) emit({ kind: 'progress', line });
    },
    dispose: () => signal?.removeEventListener('abort', onCancel),
  };
}
