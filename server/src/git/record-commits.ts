/**
 * Record commits: small commits on the empty tree whose message is the record (approval
 * requests and declines, design section 11). They live on their own refs, travel through the
 * remote like tags and notes, and can be signed with git's own signing (`commit-tree -S`), so
 * a reviewer's decline is as attributable as their approval. Reading back is one `git log`
 * over every tip, with git's verdict on each signature through the committed allowed-signers
 * file.
 */
import type { GitOps } from './signed-notes';
import { withSignersFile } from './signed-notes';
import { GitStoreError, type RecordCommit } from './store';

/** git's empty tree; `hash-object -w` makes sure the object exists before it is committed. */
const EMPTY_TREE_INPUT = '';

/** Writes a commit on the empty tree with `message` and `parents`, signed when `sign` is set. */
export async function writeRecordCommit(
  git: GitOps,
  message: string,
  parents: string[],
  sign: boolean,
): Promise<string> {
  const tree = await git.run(['hash-object', '-w', '-t', 'tree', '--stdin'], EMPTY_TREE_INPUT);
  if (tree.code !== 0)
    throw new GitStoreError('git', `git could not write the empty tree: ${tree.stderr.trim()}`);
  const r = await git.run(
    [
      'commit-tree',
      ...(sign ? ['-S'] : []),
      ...parents.flatMap((p) => ['-p', p]),
      '-F',
      '-',
      tree.stdout.trim(),
    ],
    message,
  );
  if (r.code !== 0)
    throw new GitStoreError(
      'git',
      sign
        ? `git could not sign the record (git commit-tree -S): ${r.stderr.trim().split('\n').slice(0, 3).join(' ')}. Check \`git config gpg.format ssh\` and \`git config user.signingkey <key>\`.`
        : `git commit-tree failed: ${r.stderr.trim()}`,
      r.stderr,
    );
  return r.stdout.trim();
}

const START = '\u0001atmos-record ';
const END = '\u0002';

/**
 * Every commit reachable from `tips`, with its parents, message and git's `%G?`/`%GS` checked
 * through `allowedSigners`. One git process.
 */
export async function readRecordLog(
  git: GitOps,
  tips: string[],
  allowedSigners: string | undefined,
): Promise<RecordCommit[]> {
  if (tips.length === 0) return [];
  return withSignersFile(allowedSigners, async (file) => {
    const r = await git.run([
      '-c',
      `gpg.ssh.allowedSignersFile=${file}`,
      '-c',
      'log.showSignature=false',
      'log',
      `--format=%x01atmos-record %H%x09%P%x09%G?%x09%GS%n%B%x02`,
      '--end-of-options',
      ...tips,
      '--',
    ]);
    if (r.code !== 0)
      throw new GitStoreError('git', `git log of the request refs failed: ${r.stderr.trim()}`);
    return parseRecordLog(r.stdout);
  });
}

/** Parses the `git log` output above. Exported for tests. */
export function parseRecordLog(out: string): RecordCommit[] {
  const commits: RecordCommit[] = [];
  for (const chunk of out.split(START).slice(1)) {
    const nl = chunk.indexOf('\n');
    const [sha, parents, status, signer] = chunk.slice(0, nl).split('\t');
    const end = chunk.lastIndexOf(END);
    commits.push({
      sha,
      parents: parents ? parents.split(' ').filter(Boolean) : [],
      status: status || 'N',
      signer: signer ?? '',
      message: chunk.slice(nl + 1, end < 0 ? undefined : end),
    });
  }
  return commits;
}
