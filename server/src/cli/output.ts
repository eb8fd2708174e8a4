/** Where commands write. Kept behind one object so tests and the language server can capture it. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

export type Format = 'text' | 'json';

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
