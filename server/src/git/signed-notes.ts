/**
 * Approval notes, unsigned and signed: both append on a private scratch ref and move the notes
 * ref by compare-and-swap, so concurrent approvals never drop one another. Signed ones (design
 * section 11, `approval_method: review`): The approval line is
 * appended to the notes of every commit of the plan in ONE notes commit made with
 * `git commit-tree -S`, so git's own signing (`gpg.format ssh`, `user.signingkey`) vouches for
 * who added it; the notes ref then moves by compare-and-swap, as unsigned appends do. Reading
 * back, one `git log -p` over the notes ref reports, for each notes commit, git's verdict on
 * its signature through the committed allowed-signers file and the lines it added. No
 * cryptography is done here: git and ssh-keygen do all of it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitStoreError, type NoteLineOrigin, type RefUpdate, type SigningSetup } from './store';
import { appendNoteLine } from './note-lines';
import { testPause } from './test-pause';

/** The parts of the adapter these functions need; bound to one store by its caller. */
export interface GitOps {
  run(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  resolveCommit(rev: string): Promise<string | undefined>;
  updateRefs(updates: RefUpdate[]): Promise<void>;
}

const ATTEMPTS = 8;

/** `gpg.format` and `user.signingkey` as git resolves them here, in one process. */
export async function signingSetup(git: GitOps): Promise<SigningSetup> {
  const r = await git.run(['config', '--get-regexp', '^(gpg\\.format|user\\.signingkey)$']);
  const setup: SigningSetup = {};
  for (const line of r.stdout.split('\n')) {
    const at = line.indexOf(' ');
    if (at < 0) continue;
    const key = line.slice(0, at).toLowerCase();
    const value = line.slice(at + 1).trim();
    if (key === 'gpg.format') setup.format = value;
    if (key === 'user.signingkey') setup.key = value;
  }
  return setup;
}

/**
 * Appends `line` to the note of each commit under `notesRef` in one signed notes commit. git
 * notes builds the tree on a private scratch ref (it knows the fan-out layout); that tree is
 * then committed again with `-S` on top of the ref's old tip, and the ref moves only if nobody
 * moved it meanwhile (retried a few times, like unsigned appends).
 */
export async function appendSignedNote(
  git: GitOps,
  notesRef: string,
  commits: string[],
  line: string,
  message: string,
): Promise<string> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const before = await git.resolveCommit(notesRef);
    const scratch = `refs/notes/atmos-scratch/${process.pid}-${Date.now()}-${attempt}`;
    try {
      if (before) await git.updateRefs([{ ref: scratch, newSha: before }]);
      for (const commit of commits)
        await appendNoteLine((args, input) => git.run(args, input), scratch, commit, line);
      const tree = await git.run(['rev-parse', '--verify', `${scratch}^{tree}`]);
      if (tree.code !== 0) throw new GitStoreError('git', `git notes did not write ${scratch}.`);
      const signed = await git.run([
        'commit-tree',
        '-S',
        ...(before ? ['-p', before] : []),
        '-m',
        message,
        tree.stdout.trim(),
      ]);
      if (signed.code !== 0)
        throw new GitStoreError(
          'git',
          `git could not sign the approval (git commit-tree -S): ${signed.stderr.trim().split('\n').slice(0, 3).join(' ')}. Check \`git config gpg.format ssh\` and \`git config user.signingkey <key>\`.`,
          signed.stderr,
        );
      const sha = signed.stdout.trim();
      await git.updateRefs([{ ref: notesRef, newSha: sha, oldSha: before }]);
      return sha;
    } catch (err) {
      if (!(err instanceof GitStoreError && err.kind === 'conflict')) throw err;
    } finally {
      // The scratch ref is ours alone and goes away whatever happened.
      await git.run(['update-ref', '-d', '--end-of-options', scratch]);
    }
  }
  throw new GitStoreError(
    'conflict',
    'Other approvals kept being recorded at the same moment; yours was not written. Run the command again.',
  );
}

/**
 * `git notes append` moves the notes ref without checking what it pointed at, so two
 * approvals written at once could drop one of them. The line is appended on a private scratch
 * ref that starts at the current tip, and the real ref then moves from that tip in one
 * compare-and-swap transaction (which also deletes the scratch ref); if another writer moved
 * it first, the append is redone on top of theirs.
 */
export async function appendUnsignedNote(
  git: GitOps,
  notesRef: string,
  commit: string,
  line: string,
): Promise<void> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const before = await git.resolveCommit(notesRef);
    // Race tests line concurrent approvals up here, each holding the same tip (test only).
    if (attempt === 1) await testPause('note-read');
    const scratch = `refs/notes/atmos-scratch/${process.pid}-${Date.now()}-${attempt}`;
    if (before) await git.updateRefs([{ ref: scratch, newSha: before }]);
    let after: string | undefined;
    try {
      await appendNoteLine(git.run, scratch, commit, line);
      after = await git.resolveCommit(scratch);
      if (!after) throw new GitStoreError('git', `git notes did not write ${scratch}.`);
      await git.updateRefs([
        { ref: notesRef, newSha: after, oldSha: before },
        { ref: scratch, oldSha: after },
      ]);
      return;
    } catch (err) {
      // Whatever happened, the scratch ref is ours alone and goes away.
      await git.run(['update-ref', '-d', '--end-of-options', scratch]);
      if (!(err instanceof GitStoreError && err.kind === 'conflict')) throw err;
    }
  }
  throw new GitStoreError(
    'conflict',
    'Other approvals kept being recorded at the same moment; yours was not written. Run the command again.',
  );
}

const MARK = '\u0001atmos-notes-commit ';

/**
 * Every line each commit in the history of `revs` (existing notes refs or commits) added, with git's `%G?` and `%GS` for
 * that commit as verified through `allowedSigners` (the committed file's text, written to a
 * temporary file for `-c gpg.ssh.allowedSignersFile`). One git process. Merges show no diff,
 * so a line that only a merge brought in has no origin and counts as unsigned.
 */
export async function readNoteOrigins(
  git: GitOps,
  revs: string[],
  allowedSigners: string | undefined,
): Promise<NoteLineOrigin[]> {
  if (revs.length === 0) return [];
  return withSignersFile(allowedSigners, async (file) => {
    const r = await git.run([
      '-c',
      `gpg.ssh.allowedSignersFile=${file}`,
      // The user's own log settings must not add text to what is parsed below.
      '-c',
      'log.showSignature=false',
      // The first notes commit has no parent; its lines must be listed too.
      '-c',
      'log.showRoot=true',
      'log',
      `--format=${MARK.replace('\u0001', '%x01')}%H %G?%x09%GS`,
      '-p',
      '--no-color',
      '--no-ext-diff',
      '--no-renames',
      '--unified=0',
      '--src-prefix=a/',
      '--dst-prefix=b/',
      '--end-of-options',
      ...revs,
      '--',
    ]);
    if (r.code !== 0)
      throw new GitStoreError(
        'git',
        `git log of the approval notes failed: ${r.stderr.trim()}`,
        r.stderr,
      );
    return parseNoteLog(r.stdout);
  });
}

/**
 * Runs `fn` with the path of a temporary file holding `allowedSigners` (the committed file's
 * text), for `-c gpg.ssh.allowedSignersFile=<path>`, and removes it afterwards.
 */
export async function withSignersFile<T>(
  allowedSigners: string | undefined,
  fn: (file: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-signers-'));
  try {
    const file = path.join(dir, 'allowed_signers');
    // An empty file trusts no key: every signature then reads as `U`, never `G`.
    writeFileSync(file, allowedSigners ?? '');
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses the output of the `git log -p` above. Exported for tests. */
export function parseNoteLog(out: string): NoteLineOrigin[] {
  const origins: NoteLineOrigin[] = [];
  let current: { commit: string; status: string; signer: string } | undefined;
  let annotated: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith(MARK)) {
      const m = /^(\S+) (\S?)\t?(.*)$/.exec(line.slice(MARK.length));
      current = m ? { commit: m[1], status: m[2] || 'N', signer: m[3] ?? '' } : undefined;
      annotated = undefined;
      continue;
    }
    if (line.startsWith('+++ ')) {
      // The note's path is the annotated commit's SHA, possibly fanned out (`ab/cdef…`).
      const p = line.slice(4);
      annotated = p.startsWith('b/') ? p.slice(2).replace(/\//g, '') : undefined;
      continue;
    }
    if (line.startsWith('+') && current && annotated)
      origins.push({
        notesCommit: current.commit,
        status: current.status,
        signer: current.signer,
        annotated,
        line: line.slice(1),
      });
  }
  return origins;
}
