/**
 * The GitStore over simple-git: the only code in the project that starts git. Arguments are
 * always passed as an array (simple-git spawns git without a shell), revisions from users are
 * preceded by `--end-of-options`, and the names that make up refs were checked by the core's
 * `nameProblem` before they get here.
 * Each git process is started by `GitRunner` (git-runner.ts): environment, standard input
 * through simple-git's plugin store, exit code, process count and cancellation.
 */
import {
  GitStoreError,
  type GitStore,
  type Identity,
  type RefEntry,
  type RefUpdate,
  type RepoInfo,
  type GitObject,
  type TagObject,
  type TagObjectSpec,
  type NoteLineOrigin,
  type SigningSetup,
  type RecordCommit,
  type StreamedTag,
} from './store';
import { OBJECT_HEADER_FORMAT, parseTagObject, REF_LINE_FORMAT, tagObjects } from './tag-stream';
import {
  appendSignedNote,
  appendUnsignedNote,
  readNoteOrigins,
  signingSetup,
  type GitOps,
} from './signed-notes';
import { fetchRefs, pushRefs } from './remote-git';
import { readRecordLog, writeRecordCommit } from './record-commits';
import { updateRefs, writeTagObjects } from './record-writes';
import { readTreesAt } from './tree-reads';
import { GitRunner, type RunResult } from './git-runner';

export class SimpleGitStore implements GitStore {
  private readonly runner: GitRunner;

  constructor(
    readonly cwd: string,
    signal?: AbortSignal,
  ) {
    this.runner = new GitRunner(cwd, signal);
  }

  get processCount(): number {
    return this.runner.processCount;
  }

  cancellable(signal: AbortSignal): GitStore {
    return new SimpleGitStore(this.cwd, signal);
  }

  private run(args: string[], input?: string): Promise<RunResult> {
    return this.runner.run(args, input);
  }

  private ok(args: string[], input?: string): Promise<string> {
    return this.runner.ok(args, input);
  }

  private failure(args: string[], r: RunResult): GitStoreError {
    return this.runner.failure(args, r);
  }

  async repoInfo(): Promise<RepoInfo> {
    // The usual case (HEAD names a commit) in one process: the top level, shallowness, HEAD's
    // commit and what HEAD points at (`HEAD` itself when detached). A rollout of HEAD then stays
    // within six git processes. Anything else (no commits yet, not a repository) is answered by
    // the separate calls below, which also give the precise error.
    const one = await this.run([
      'rev-parse',
      '--show-toplevel',
      '--is-shallow-repository',
      'HEAD^{commit}',
      '--symbolic-full-name',
      'HEAD',
      '--',
    ]);
    const [oneRoot, shallowText, oneHead, symbolic] = one.stdout.split('\n');
    if (
      one.code === 0 &&
      oneRoot &&
      /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(oneHead ?? '') &&
      symbolic
    )
      return {
        root: oneRoot,
        head: oneHead,
        branch: symbolic.startsWith('refs/heads/')
          ? symbolic.slice('refs/heads/'.length)
          : undefined,
        detached: symbolic === 'HEAD',
        shallow: shallowText === 'true',
      };
    const top = await this.ok(['rev-parse', '--show-toplevel', '--is-shallow-repository']);
    const [root, shallow] = top.trim().split('\n');
    const head = await this.resolveCommit('HEAD');
    const branch = await this.run(['symbolic-ref', '-q', 'HEAD']);
    const onBranch = branch.code === 0 && branch.stdout.trim().startsWith('refs/heads/');
    return {
      root,
      head,
      branch: onBranch ? branch.stdout.trim().slice('refs/heads/'.length) : undefined,
      detached: branch.code !== 0,
      shallow: shallow === 'true',
    };
  }

  async resolveCommit(rev: string): Promise<string | undefined> {
    const r = await this.run([
      'rev-parse',
      '-q',
      '--verify',
      '--end-of-options',
      `${rev}^{commit}`,
    ]);
    if (r.code !== 0) {
      if (/not a git repository/i.test(r.stderr)) throw this.failure(['rev-parse'], r);
      return undefined;
    }
    const sha = r.stdout.trim();
    return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) ? sha : undefined;
  }

  async countCommits(from: string[], to: string[], max: number): Promise<number | undefined> {
    const full = (s: string) => /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(s);
    // Only full SHAs reach git here, so nothing a user typed can be read as an option.
    if (to.length === 0 || ![...from, ...to].every(full)) return undefined;
    const r = await this.run([
      'rev-list',
      '--count',
      `--max-count=${Math.max(1, Math.floor(max))}`,
      ...to,
      ...from.map((s) => `^${s}`),
      '--',
    ]);
    const n = Number(r.stdout.trim());
    return r.code === 0 && Number.isInteger(n) ? n : undefined;
  }

  async listRefs(prefixes: string[]): Promise<RefEntry[]> {
    if (prefixes.length === 0) return [];
    const out = await this.ok([
      'for-each-ref',
      '--format=%(objectname) %(refname)',
      '--',
      ...prefixes,
    ]);
    const entries: RefEntry[] = [];
    for (const line of out.split('\n')) {
      const at = line.indexOf(' ');
      if (at > 0) entries.push({ sha: line.slice(0, at), ref: line.slice(at + 1) });
    }
    return entries;
  }

  async *tagsNewestFirst(prefixes: string[]): AsyncGenerator<StreamedTag[]> {
    if (prefixes.length === 0) return;
    // Sorting on a field that needs the object would make git read every tag before writing
    // the first line; sorted on names only, for-each-ref answers at once and cat-file reads the
    // objects while the caller works. The last sort key given is git's first: the stamp, then
    // the whole name for equal stamps.
    yield* tagObjects(
      this.runner.pipeline([
        [
          'for-each-ref',
          `--format=${REF_LINE_FORMAT}`,
          '--sort=-refname',
          '--sort=-refname:lstrip=-1',
          '--',
          ...prefixes,
        ],
        // `--buffer`: without it cat-file flushes after every object, a write of some 500
        // bytes per tag (at 100,000 tags 0.35 s of system time in git, and as many reads here).
        // Nothing waits on an answer to a line it wrote: for-each-ref's end flushes the rest.
        ['cat-file', '--buffer', `--batch=${OBJECT_HEADER_FORMAT}`],
      ]),
    );
  }

  async readNotes(notesRef: string, commits: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (commits.length === 0) return result;
    const notes = await this.listNotes(notesRef);
    const blobs: Array<[string, string]> = [];
    for (const commit of new Set(commits)) {
      const blob = notes.get(commit);
      if (blob) blobs.push([blob, commit]);
    }
    if (blobs.length === 0) return result;
    const bodies = await this.readBlobs(blobs.map(([b]) => b));
    for (const [blob, commit] of blobs) {
      const text = bodies.get(blob);
      if (text !== undefined) result.set(commit, text);
    }
    return result;
  }

  async listNotes(notesRef: string): Promise<Map<string, string>> {
    const notes = new Map<string, string>();
    const list = await this.run(['notes', `--ref=${notesRef}`, 'list']);
    if (list.code !== 0) return notes;
    for (const line of list.stdout.split('\n')) {
      const [blob, commit] = line.trim().split(' ');
      if (blob && commit) notes.set(commit, blob);
    }
    return notes;
  }

  async readBlobs(shas: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    for (const [sha, o] of await this.catFile([...new Set(shas)]))
      if (o.type === 'blob') result.set(sha, o.body);
    return result;
  }

  async readFilesAt(specs: Array<{ rev: string; path: string }>): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    // cat-file reads one object name per line, so a path with a line break cannot be asked for.
    const names = [
      ...new Set(
        specs
          .filter((s) => !/[\n\r]/.test(s.path) && !/[\n\r:]/.test(s.rev))
          .map((s) => `${s.rev}:${s.path}`),
      ),
    ];
    for (const [name, o] of await this.catFile(names))
      if (o.type === 'blob') result.set(name, o.body);
    return result;
  }

  async listFilesAt(rev: string): Promise<string[]> {
    const out = await this.ok([
      'ls-tree',
      '-r',
      '--name-only',
      '-z',
      '--end-of-options',
      rev,
      '--',
    ]);
    return out.split('\0').filter((p) => p.length > 0);
  }

  async reachableFrom(tip: string, commits: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const wanted = new Set(commits);
    if (wanted.size === 0) return found;
    const r = await this.run(['rev-list', '--end-of-options', tip, '--']);
    if (r.code !== 0) return found;
    for (const line of r.stdout.split('\n')) if (wanted.has(line)) found.add(line);
    return found;
  }

  readTreesAt(commits: string[], pathspecs: string[]): Promise<Map<string, Map<string, string>>> {
    return readTreesAt(this.runner, commits, pathspecs);
  }

  async commitTime(rev: string): Promise<number | undefined> {
    const r = await this.run(['log', '-1', '--format=%ct', '--end-of-options', rev, '--']);
    const seconds = Number(r.stdout.trim());
    return r.code === 0 && r.stdout.trim() && Number.isInteger(seconds)
      ? seconds * 1000
      : undefined;
  }

  async readTags(tagShas: string[]): Promise<Map<string, TagObject>> {
    const objects = await this.catFile([...new Set(tagShas)]);
    const tags = new Map<string, TagObject>();
    for (const [sha, o] of objects) {
      const tag = o.type === 'tag' ? parseTagObject(o.body) : undefined;
      if (tag) tags.set(sha, tag);
    }
    return tags;
  }

  async commitSubjects(shas: string[]): Promise<Map<string, string>> {
    const objects = await this.catFile([...new Set(shas)]);
    const subjects = new Map<string, string>();
    for (const [sha, o] of objects) {
      if (o.type !== 'commit') continue;
      // A commit object is its headers, a blank line, then the message; the subject is the
      // message's first line (git's `%s` also joins a wrapped first paragraph, rare enough).
      const start = o.body.indexOf('\n\n');
      if (start < 0) continue;
      subjects.set(
        sha,
        o.body
          .slice(start + 2)
          .split('\n', 1)[0]
          .trim(),
      );
    }
    return subjects;
  }

  async readObjects(shas: string[]): Promise<Map<string, GitObject>> {
    const objects = await this.catFile([...new Set(shas)]);
    const result = new Map<string, GitObject>();
    for (const [sha, o] of objects)
      result.set(
        sha,
        o.type === 'tag' ? { type: o.type, tag: parseTagObject(o.body) } : { type: o.type },
      );
    return result;
  }

  /** Object types and contents by SHA, in one `cat-file --batch`; missing objects are left out. */
  private async catFile(shas: string[]): Promise<Map<string, { type: string; body: string }>> {
    const result = new Map<string, { type: string; body: string }>();
    if (shas.length === 0) return result;
    // `--buffer`: all input is given at once, so git need not flush after every object.
    const batch = await this.run(
      ['cat-file', '--buffer', '--batch'],
      shas.map((s) => `${s}\n`).join(''),
    );
    if (batch.code !== 0) throw this.failure(['cat-file'], batch);
    const buf = batch.stdoutBytes;
    let at = 0;
    for (const sha of shas) {
      const nl = buf.indexOf(0x0a, at);
      if (nl < 0) break;
      const header = buf.subarray(at, nl).toString('utf8').split(' ');
      at = nl + 1;
      if (header[1] === 'missing' || header.length < 3) continue;
      const size = Number(header[2]);
      result.set(sha, { type: header[1], body: buf.subarray(at, at + size).toString('utf8') });
      at += size + 1;
    }
    return result;
  }

  /** Appends one line by compare-and-swap on a scratch ref (see `appendUnsignedNote`). */
  appendNote(notesRef: string, commit: string, line: string): Promise<void> {
    return appendUnsignedNote(this.ops(), notesRef, commit, line);
  }

  /** The adapter's own runner, for the signed-notes functions (server/src/git/signed-notes.ts). */
  private ops(): GitOps {
    return {
      run: (args, input) => this.run(args, input),
      resolveCommit: (rev) => this.resolveCommit(rev),
      updateRefs: (updates) => this.updateRefs(updates),
    };
  }

  signingSetup(): Promise<SigningSetup> {
    return signingSetup(this.ops());
  }

  appendSignedNote(
    notesRef: string,
    commits: string[],
    line: string,
    message: string,
  ): Promise<string> {
    return appendSignedNote(this.ops(), notesRef, commits, line, message);
  }

  readNoteOrigins(revs: string[], allowedSigners: string | undefined): Promise<NoteLineOrigin[]> {
    return readNoteOrigins(this.ops(), revs, allowedSigners);
  }

  writeRecordCommit(message: string, parents: string[], sign: boolean): Promise<string> {
    return writeRecordCommit(this.ops(), message, parents, sign);
  }

  readRecordLog(tips: string[], allowedSigners: string | undefined): Promise<RecordCommit[]> {
    return readRecordLog(this.ops(), tips, allowedSigners);
  }

  async identity(): Promise<Identity> {
    const r = await this.run(['var', 'GIT_COMMITTER_IDENT']);
    const m = /^(.*?) <([^>]*)> \d+ [+-]\d{4}$/.exec(r.stdout.trim());
    if (r.code !== 0 || !m)
      throw new GitStoreError(
        'no-identity',
        'git does not know who you are: set `git config user.name` and `git config user.email` (or GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL) so records name who deployed.',
        r.stderr,
      );
    return { name: m[1], email: m[2] };
  }

  writeTagObjects(tags: TagObjectSpec[]): Promise<string[]> {
    return writeTagObjects(this.runner, tags);
  }

  updateRefs(updates: RefUpdate[]): Promise<void> {
    return updateRefs(this.runner, updates);
  }

  fetch(remote: string, refspecs: string[]): Promise<void> {
    return fetchRefs((args) => this.run(args), remote, refspecs);
  }

  push(remote: string, updates: RefUpdate[]): Promise<void> {
    return pushRefs((args) => this.run(args), remote, updates);
  }
}

export function openGitStore(cwd: string): GitStore {
  return new SimpleGitStore(cwd);
}
