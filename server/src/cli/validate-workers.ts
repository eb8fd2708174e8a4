/**
 * `validate`'s reading and checking spread over worker threads. Each worker is the CLI bundle
 * itself started in a thread (`cli.ts` runs `runCheckWorker` there instead of the CLI), given a
 * contiguous slice of the files; the results come back as plain data and are put back in file
 * order, so the output does not depend on how many workers there were.
 *
 * Starting a worker costs a thread, a V8 isolate and loading the bundle (about 100 ms on the
 * bench machine), so small workspaces are checked in this thread.
 */
import { availableParallelism, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { checkOne, type CheckOptions, type CheckResult, type CheckTask } from './validate-check';

/** Below this many files per worker, starting the worker costs more than it saves. */
export const MIN_FILES_PER_WORKER = 200;

const WORKER_MARK = 'atmos-validate-worker';

interface WorkerInput {
  mark: typeof WORKER_MARK;
  tasks: CheckTask[];
  opts: CheckOptions;
}

/**
 * How many threads check `files` files: `jobs` when given (1 = this thread only), else one per
 * core that other work leaves free, plus this thread, while each gets at least
 * MIN_FILES_PER_WORKER files. On a machine whose cores are already busy (load average at or
 * above the number of cores) more threads only compete with each other and with the other
 * work: the bench measured 2.3× the parse floor with two threads against 1.7× with one at a
 * load of 20 on two cores. Workers need the bundle: run from sources (tests under tsx) the
 * check stays in this thread.
 */
export function workerCount(files: number, jobs: number | undefined): number {
  if (!__filename.endsWith('.js')) return 1;
  if (jobs !== undefined && jobs > 0) return Math.max(1, Math.min(jobs, files));
  const cores = availableParallelism();
  // loadavg() is [0, 0, 0] where it is not known (Windows): every core counts as free there.
  const free = Math.floor(Math.max(0, cores - loadavg()[0])) + 1;
  return Math.max(1, Math.min(cores, free, Math.floor(files / MIN_FILES_PER_WORKER)));
}

/** Checks every task, in this thread or over `workers` threads; results in task order. */
export async function checkAll(
  tasks: CheckTask[],
  opts: CheckOptions,
  workers: number,
): Promise<CheckResult[]> {
  if (workers <= 1) return tasks.map((t) => checkOne(t, opts));
  const size = Math.ceil(tasks.length / workers);
  const slices: CheckTask[][] = [];
  for (let i = 0; i < tasks.length; i += size) slices.push(tasks.slice(i, i + size));
  // This thread takes the last slice itself rather than waiting idle for the others.
  const mine = slices.pop()!;
  const started = slices.map((slice) => runInWorker(slice, opts));
  const own = mine.map((t) => checkOne(t, opts));
  const theirs = await Promise.all(started);
  return [...theirs.flat(), ...own];
}

function runInWorker(tasks: CheckTask[], opts: CheckOptions): Promise<CheckResult[]> {
  return new Promise((resolve, reject) => {
    const input: WorkerInput = { mark: WORKER_MARK, tasks, opts };
    const worker = new Worker(__filename, { workerData: input });
    let answered = false;
    worker.once('message', (results: CheckResult[]) => {
      answered = true;
      resolve(results);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`a validate worker stopped (exit ${code}) before answering`));
    });
  });
}

/** True in a thread started by `checkAll`, where the CLI must not run. */
export function isCheckWorker(): boolean {
  return !isMainThread && (workerData as WorkerInput | undefined)?.mark === WORKER_MARK;
}

/** The worker's side: checks its slice and posts the results back. */
export function runCheckWorker(): void {
  const { tasks, opts } = workerData as WorkerInput;
  const results = tasks.map((t) =>
    // A path that is not valid UTF-8 is a Buffer, which arrives here as a plain Uint8Array.
    checkOne(
      {
        ...t,
        found: {
          ...t.found,
          fsPath: typeof t.found.fsPath === 'string' ? t.found.fsPath : Buffer.from(t.found.fsPath),
        },
      },
      opts,
    ),
  );
  parentPort!.postMessage(results);
}
