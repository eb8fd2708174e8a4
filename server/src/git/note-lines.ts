/**
 * Approval notes hold one JSON object per line (design section 5). `git notes append` puts a
 * blank line between the note and what it adds, and git before 2.42 (Debian 12 ships 2.39) has
 * no `--no-separator`, so appends made that way left a blank line between every two approvals.
 * Instead the note is read, the line added after its last line, and the whole note written back
 * with `git notes add -f -F -`. Callers only do this on a private scratch ref whose move to the
 * real notes ref is a compare-and-swap, so reading and then rewriting cannot lose a concurrent
 * approval. Readers accept both forms, since notes written before this have the blank lines.
 */
import { GitStoreError } from './store';

type Run = (
  args: string[],
  input?: string,
) => Promise<{ stdout: string; stderr: string; code: number }>;

export async function appendNoteLine(
  run: Run,
  ref: string,
  commit: string,
  line: string,
): Promise<void> {
  const shown = await run(['notes', `--ref=${ref}`, 'show', '--end-of-options', commit]);
  // Only "no note" means there is nothing to keep; any other failure must not lead to a note
  // rewritten without the approvals it held.
  if (shown.code !== 0 && !/no note found/i.test(shown.stderr))
    throw new GitStoreError('git', `git notes show failed: ${shown.stderr.trim()}`, shown.stderr);
  const old = shown.code === 0 ? shown.stdout.replace(/\s+$/, '') : '';
  const text = old ? `${old}\n${line}\n` : `${line}\n`;
  const added = await run(
    ['notes', `--ref=${ref}`, 'add', '-f', '-F', '-', '--end-of-options', commit],
    text,
  );
  if (added.code !== 0)
    throw new GitStoreError('git', `git notes add failed: ${added.stderr.trim()}`, added.stderr);
}
