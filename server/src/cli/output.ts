/** Where commands write. Kept behind one object so tests and the language server can capture it. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * A reader that stops early (`history | head`) closes the pipe; writing on is then an EPIPE
 * error, which node raises as an uncaught exception. The output is dropped instead and the
 * command runs to its end, so a rollout piped into `head` still finishes its transaction rather
 * than dying between two git steps.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed) stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
}

let streams: Output | undefined;

function open(): Output {
  streams ??= { out: quietOnClosedPipe(process.stdout), err: quietOnClosedPipe(process.stderr) };
  return streams;
}

/** stdout and stderr, made quiet on a closed pipe the first time they are used. */
export const stdio: Output = {
  out: (text) => open().out(text),
  err: (text) => open().err(text),
};

export type Format = 'text' | 'json';

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
