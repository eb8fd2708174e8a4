/**
 * The one interface between the rollout service and git (design section 5). Everything the
 * CLI and the language server know about deployment records comes through these methods, and
 * the simple-git adapter is their only implementation, so no other code ever runs git.
 *
 * Every method is batched: a call costs a fixed number of git processes whatever the number of
 * refs, tags, components or notes involved, which keeps status reads constant-time in processes.
 */

/** What a store knows about the repository it works in. */
export interface RepoInfo {
  /** The top of the working tree (or the git dir for a bare repository). */
  root: string;
  /** The commit HEAD points at; absent in a repository without commits. */
  head?: string;
  /** The branch HEAD is on; absent when HEAD is detached or unborn. */
  branch?: string;
  detached: boolean;
  /** True in a shallow clone, where recorded commits may be missing. */
  shallow: boolean;
}

/** One ref as `git for-each-ref` reports it. */
export interface RefEntry {
  /** Full ref name, `refs/atmos/deployments/...` or `refs/tags/atmos/deployments/...`. */
  ref: string;
  /** The object the ref points at (a tag object for annotated tags). */
  sha: string;
}

/** An annotated tag object as read back by `cat-file --batch`. */
export interface TagObject {
  /** The object the tag points at. */
  object: string;
  /** Tagger time, ISO 8601 UTC. */
  taggedAt?: string;
  message: string;
}

/** One ref under `refs/tags/` as `tagsNewestFirst` streams it. */
export interface StreamedTag {
  /** Full ref name. */
  ref: string;
  /** The object the ref names (the tag object for an annotated tag). */
  sha: string;
  /** The parsed tag; undefined for a lightweight tag or a tag of anything but a commit. */
  tag?: TagObject;
}

/** An object as `cat-file --batch` reports it; annotated tags pointing at commits are parsed. */
export interface GitObject {
  type: string;
  tag?: TagObject;
}

/** A git identity, as `git var GIT_COMMITTER_IDENT` gives it. */
export interface Identity {
  name: string;
  email: string;
}

/** An annotated tag object to write (its ref is created later, in the transaction). */
export interface TagObjectSpec {
  /** Tag name without `refs/tags/`. */
  name: string;
  /** The commit it points at. */
  object: string;
  message: string;
  tagger: Identity;
  date: Date;
}

/**
 * One ref change inside a transaction. `oldSha` is the value the ref must have for the change to
 * apply (compare-and-swap): `undefined` means the ref must not exist yet. `newSha` undefined
 * deletes the ref.
 */
export interface RefUpdate {
  ref: string;
  newSha?: string;
  oldSha?: string;
}

/** What git is set up to sign with (`gpg.format`, `user.signingkey`); absent when unset. */
export interface SigningSetup {
  format?: string;
  key?: string;
}

/** One line a notes commit added, and git's verdict on that commit's signature. */
export interface NoteLineOrigin {
  notesCommit: string;
  /** git's `%G?` for the notes commit (`G`, `B`, `U`, `N`, ...). */
  status: string;
  /** git's `%GS`: the principal the allowed-signers file names for the signing key. */
  signer: string;
  /** The commit the note is attached to. */
  annotated: string;
  line: string;
}

/** A commit of a record ref (approval requests, declines), with git's verdict on its signature. */
export interface RecordCommit {
  sha: string;
  parents: string[];
  /** git's `%G?` through the allowed-signers file given (`G`, `B`, `U`, `N`, ...). */
  status: string;
  /** git's `%GS`: the principal the allowed-signers file names for the key. */
  signer: string;
  message: string;
}

/** The kinds of failure a store reports; the rollout layer turns them into exit codes. */
export type GitFailureKind =
  | 'not-a-repo'
  | 'no-commits'
  | 'bad-revision'
  | 'missing-object'
  | 'conflict'
  /** The remote moved first (a stale lease, or another push won the server's compare-and-swap). */
  | 'push-rejected'
  /** The server's rules refused the push (a hook, a protected ref); retrying gives the same. */
  | 'push-refused'
  | 'no-identity'
  /** The caller cancelled: the command was not started, or a read was stopped. */
  | 'cancelled'
  | 'git';

export class GitStoreError extends Error {
  constructor(
    readonly kind: GitFailureKind,
    message: string,
    /** git's own words, kept for --verbose style diagnostics. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface GitStore {
  /**
   * The same store for one request that can be cancelled: once `signal` aborts, no further git
   * process starts (each call rejects with a `cancelled` GitStoreError), and a running one that
   * only reads is killed. A running write (fetch, update-ref, notes, hash-object, push) is let
   * finish, so a ref or object is never half written; callers that must not stop midway (a
   * rollout from its first write on) keep using the store they were given.
   */
  cancellable(signal: AbortSignal): GitStore;
  /** The folder the store was opened on. */
  readonly cwd: string;
  /** Number of git processes started so far; tests use it to prove reads are batched. */
  readonly processCount: number;

  /** Checks the folder is inside a git repository and describes HEAD. Throws `not-a-repo`. */
  repoInfo(): Promise<RepoInfo>;

  /** Resolves a revision to a full commit SHA, or undefined when it names no commit. */
  resolveCommit(rev: string): Promise<string | undefined>;

  /**
   * The type of each object (and, for an annotated tag of a commit, its parsed body), in one
   * `cat-file --batch`. Missing objects are left out of the map.
   */
  readObjects(shas: string[]): Promise<Map<string, GitObject>>;

  /**
   * How many commits are reachable from any of `to` but from none of `from` (`git rev-list
   * --count`), in one process, counting at most `max`. Undefined when git cannot tell (an
   * unknown commit, a shallow boundary); never throws for that.
   */
  countCommits(from: string[], to: string[], max: number): Promise<number | undefined>;

  /**
   * Every ref under the given prefixes and the object it names, in one `git for-each-ref`.
   * It reads no objects, so it works even when a recorded commit is missing (shallow clones).
   */
  listRefs(prefixes: string[]): Promise<RefEntry[]>;

  /**
   * The text of files at given revisions (`<rev>:<path>`, path relative to the repository's
   * top), in one `git cat-file --batch`, keyed by that `<rev>:<path>` string. Files that do not
   * exist there (or are not blobs) are left out. Works in a bare repository.
   */
  readFilesAt(specs: Array<{ rev: string; path: string }>): Promise<Map<string, string>>;

  /** Every file path in the tree of a commit (`git ls-tree -r --name-only`), in one process. */
  listFilesAt(rev: string): Promise<string[]>;

  /**
   * Which of `commits` are reachable from `tip` (the commit itself included), in one
   * `git rev-list` process. Unknown commits are simply not in the result.
   */
  reachableFrom(tip: string, commits: string[]): Promise<Set<string>>;

  /**
   * The text of every file under `pathspecs` (all files when empty) in each of `commits` (full
   * SHAs of objects known to exist), in one `git grep` over all of them, keyed by commit and
   * then by path from the repository's top. Binary files are left out. Works in a bare
   * repository and, in a hook, on objects still in git's quarantine.
   */
  readTreesAt(commits: string[], pathspecs: string[]): Promise<Map<string, Map<string, string>>>;

  /**
   * The subject (first line of the message) of each of `shas` that is a commit, in one
   * `git cat-file --batch`; missing objects and other types are left out of the map.
   */
  commitSubjects(shas: string[]): Promise<Map<string, string>>;

  /** The committer time (ms since epoch) of a revision, or undefined when it names no commit. */
  commitTime(rev: string): Promise<number | undefined>;

  /** Annotated tag objects by SHA, in one `git cat-file --batch`; missing ones are left out. */
  readTags(tagShas: string[]): Promise<Map<string, TagObject>>;

  /**
   * Every tag under the given prefixes with its tag object, from `git for-each-ref` piped into
   * `git cat-file --batch` (two processes), read as git writes it in groups (one per chunk of
   * git's output), so memory stays flat however many tags there are. Ordered by the last
   * segment of the name, descending (a deployment tag's stamp), then by the whole name,
   * descending. Leaving the loop early ends git. The one read that is not read whole.
   */
  tagsNewestFirst(prefixes: string[]): AsyncIterable<StreamedTag[]>;

  /** The note text attached to each of `commits` under `notesRef` (at most two processes). */
  readNotes(notesRef: string, commits: string[]): Promise<Map<string, string>>;

  /**
   * Which commits carry a note under `notesRef` and the blob of each (commit → blob), in one
   * `git notes list`; empty when the notes ref does not exist.
   */
  listNotes(notesRef: string): Promise<Map<string, string>>;

  /** The text of these blobs, in one `git cat-file --batch`; missing ones are left out. */
  readBlobs(shas: string[]): Promise<Map<string, string>>;

  /** Appends one line to the note on `commit` under `notesRef`, never replacing what is there. */
  appendNote(notesRef: string, commit: string, line: string): Promise<void>;

  /** `gpg.format` and `user.signingkey` as git resolves them (one process). */
  signingSetup(): Promise<SigningSetup>;

  /**
   * Appends one line to the note of each commit under `notesRef` in one notes commit signed by
   * git (`commit-tree -S`), moved by compare-and-swap. Returns the notes commit.
   */
  appendSignedNote(
    notesRef: string,
    commits: string[],
    line: string,
    message: string,
  ): Promise<string>;

  /**
   * Every line each commit in the history of `revs` (notes refs or commits that exist) added,
   * with git's verdict on that commit's signature checked through `allowedSigners` (the text of
   * an allowed-signers file; undefined trusts no key), in one `git log -p`.
   */
  readNoteOrigins(revs: string[], allowedSigners: string | undefined): Promise<NoteLineOrigin[]>;

  /**
   * Writes a commit on the empty tree whose message is a record (an approval request, a
   * decline), with these parents, signed by git (`commit-tree -S`) when `sign` is set. Moves
   * no ref. Returns the commit.
   */
  writeRecordCommit(message: string, parents: string[], sign: boolean): Promise<string>;

  /**
   * Every commit reachable from `tips` with its parents, message and git's verdict on its
   * signature through `allowedSigners` (an allowed-signers file's text), in one `git log`.
   */
  readRecordLog(tips: string[], allowedSigners: string | undefined): Promise<RecordCommit[]>;

  /** The identity git would record for a commit made now. Throws `no-identity`. */
  identity(): Promise<Identity>;

  /** Writes annotated tag objects (no refs) in one process; returns their SHAs in order. */
  writeTagObjects(tags: TagObjectSpec[]): Promise<string[]>;

  /**
   * Applies every update in one `git update-ref --stdin` transaction: all of them or none.
   * Throws `conflict` when a ref no longer has its expected old value.
   */
  updateRefs(updates: RefUpdate[]): Promise<void>;

  /** Fetches these refspecs from a remote (forced and pruned, so the remote's records win). */
  fetch(remote: string, refspecs: string[]): Promise<void>;

  /**
   * Pushes every update in one `git push --atomic` with `--force-with-lease` per ref, the
   * lease being `oldSha`. Throws `push-rejected` when the remote moved first, and
   * `push-refused`, quoting the server's reason, when a hook or a protected ref refused it.
   */
  push(remote: string, updates: RefUpdate[]): Promise<void>;
}
