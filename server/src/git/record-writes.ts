/**
 * The two writes every rollout makes: its annotated tag objects, in one `hash-object`, and
 * every ref it moves, in one `update-ref --stdin` transaction that either moves them all or
 * none (design section 6). A transaction refused because a ref moved meanwhile is a `conflict`,
 * which the rollout reports (and retries, rollout/retry.ts) as a race it lost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitStoreError, type RefUpdate, type TagObjectSpec } from './store';
import type { GitProcesses } from './git-runner';

/** Writes the tag objects (not their refs) and returns their SHAs, in order. */
export async function writeTagObjects(git: GitProcesses, tags: TagObjectSpec[]): Promise<string[]> {
  if (tags.length === 0) return [];
  // `--stdin-paths` takes files, so the tags are written to a private folder first: one git
  // process for any number of tags, where `mktag` would need one each.
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-tags-'));
  try {
    const files = tags.map((t, i) => {
      const file = path.join(dir, `${i}.tag`);
      writeFileSync(file, tagObjectText(t));
      return file;
    });
    const args = ['hash-object', '-t', 'tag', '-w', '--stdin-paths'];
    const r = await git.run(args, files.map((f) => `${f}\n`).join(''));
    if (r.code !== 0) throw git.failure(args, r);
    const shas = r.stdout.trim().split('\n');
    if (shas.length !== tags.length)
      throw new GitStoreError('git', 'git hash-object did not write every tag object.');
    return shas;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Moves, creates and deletes refs in one transaction, each checked against its old value. */
export async function updateRefs(git: GitProcesses, updates: RefUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const lines = ['start'];
  for (const u of updates) {
    if (u.newSha === undefined) lines.push(`delete ${u.ref} ${u.oldSha ?? ''}`.trimEnd());
    else if (u.oldSha === undefined) lines.push(`create ${u.ref} ${u.newSha}`);
    else lines.push(`update ${u.ref} ${u.newSha} ${u.oldSha}`);
  }
  lines.push('prepare', 'commit', '');
  const r = await git.run(['update-ref', '--stdin'], lines.join('\n'));
  if (r.code === 0) return;
  if (
    /cannot lock ref|reference already exists|but expected|unable to resolve reference/i.test(
      r.stderr,
    )
  )
    throw new GitStoreError(
      'conflict',
      'Another rollout changed these deployment records at the same time; nothing was written. Check `promotion-status` and run the rollout again.',
      r.stderr.trim(),
    );
  throw git.failure(['update-ref'], r);
}

function tagObjectText(t: TagObjectSpec): string {
  const seconds = Math.floor(t.date.getTime() / 1000);
  const message = t.message.endsWith('\n') ? t.message : `${t.message}\n`;
  return `object ${t.object}\ntype commit\ntag ${t.name}\ntagger ${t.tagger.name} <${t.tagger.email}> ${seconds} +0000\n\n${message}`;
}
