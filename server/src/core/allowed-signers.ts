/**
 * The committed allowed-signers file, `.atmos/allowed_signers` (git's
 * `gpg.ssh.allowedSignersFile` format: `<principals> [options] <keytype> <key>` per line). The
 * core never reads it: the CLI and the language server read it from disk and pass what it says
 * in the validation options, and git itself checks signatures against it. Here it only answers
 * "does this approver have a key at all", so a review target whose approver could never sign
 * is flagged while the file is edited.
 */

/** Where the allowed-signers file lives, relative to the repository's top. */
export const ALLOWED_SIGNERS_PATH = '.atmos/allowed_signers';

export interface AllowedSigners {
  /** False when the repository has no `.atmos/allowed_signers`. */
  found: boolean;
  /** Every principal pattern of every key line, as written (may hold `*` and `?`). */
  principals: string[];
}

/** Reads the principals of each key line; comments, blank lines and odd lines are skipped. */
export function parseAllowedSigners(text: string | undefined): AllowedSigners {
  if (text === undefined) return { found: false, principals: [] };
  const principals: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    // The principals field may be quoted (ssh-keygen(1), ALLOWED SIGNERS); it ends at the first
    // blank outside quotes. A line with nothing after it names no key and counts for nobody.
    const m = /^("([^"]*)"|(\S+))\s+\S/.exec(line);
    if (!m) continue;
    for (const p of (m[2] ?? m[3]).split(',')) if (p) principals.push(p);
  }
  return { found: true, principals };
}

/** Whether some principal pattern of the file matches this identity, as ssh matches them. */
export function hasSigningKey(signers: AllowedSigners, identity: string): boolean {
  return signers.principals.some((p) => globMatch(p, identity));
}

function globMatch(pattern: string, text: string): boolean {
  // ssh's match_pattern: `*` any run, `?` one character, everything else literal.
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}
