/** Where commands write. Kept behind one object so tests and the language server can capture it. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** True once the reader of `out` went away (a closed pipe): a long listing can stop. */
  outClosed?(): boolean;
}

/**
 * A reader that stops early (`history | head`) closes the pipe; writing on is then an EPIPE
 * error, which node raises as an uncaught exception. The output is dropped instead and the
 * command runs to its end, so a rollout piped into `head` still finishes its transaction rather
 * than dying between two git steps.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): {
  write: (text: string) => void;
  closed: () => boolean;
} {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return {
    write: (text) => {
      if (!closed) stream.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    closed: () => closed,
  };
}

let streams:
  | { out: ReturnType<typeof quietOnClosedPipe>; err: ReturnType<typeof quietOnClosedPipe> }
  | undefined;

function open(): NonNullable<typeof streams> {
  streams ??= { out: quietOnClosedPipe(process.stdout), err: quietOnClosedPipe(process.stderr) };
  return streams;
}

/** stdout and stderr, made quiet on a closed pipe the first time they are used. */
export const stdio: Output = {
  out: (text) => open().out.write(text),
  err: (text) => open().err.write(text),
  outClosed: () => open().out.closed(),
};

export type Format = 'text' | 'json';

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
