/**
 * Which names may become one segment of a git ref. Deployment, target and component names end
 * up in `refs/atmos/deployments/<d>/<t>/<c>` and in tag names, so anything git would refuse,
 * or could read as something else (an option, `HEAD`, a path walk), is refused before git
 * ever sees it. Names are ASCII only (letters, digits, `-`, `_`, `.`, and `/` inside component
 * names): invisible and bidirectional characters make two names that look the same differ, and
 * a look-alike such as the Cyrillic `о` in `prоd` would pass for `prod` in every review while
 * being another target with its own records.
 */
import { hex, isInvisible, displayName } from './display';
import { describeCharacter } from './unicode';

export { displayName, displayText } from './display';

export type NameKind = 'deployment' | 'target' | 'component';

const MAX_NAME_LENGTH = 128;

/** Returns why a name is invalid, or undefined when it is fine. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (kind === 'component' && name.includes('/')) {
    if (name.startsWith('/') || name.endsWith('/')) return "it starts or ends with '/'";
    if (name.includes('//')) return "it contains '//'";
    for (const part of name.split('/')) {
      const why = segmentProblem(part);
      if (why) return why;
    }
    return undefined;
  }
  if (name.includes('/')) return `it contains '/' (only component names may, as in ecs/api)`;
  return segmentProblem(name);
}

/** Only the characters every name may hold: none of the character checks below applies. */
const PLAIN_CHARACTERS = /^[A-Za-z0-9._-]*$/;

function segmentProblem(name: string): string | undefined {
  // Nearly every name is plain, and walking it character by character (for every target and
  // component of every file) is skipped for those; the checks on the whole name still run.
  const plain = PLAIN_CHARACTERS.test(name);
  if (!plain)
    for (const ch of name) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || cp === 0x7f) return `it contains a control character (U+${hex(cp)})`;
      if (ch === ' ') return 'it contains a space';
      if ('~^:?*[\\'.includes(ch)) return `it contains '${ch}', which git refs cannot hold`;
      if (isInvisible(cp))
        return `it contains an invisible or direction-changing character (${describeCharacter(cp)})`;
      if (cp > 0x7f) return `it contains ${describeCharacter(cp)}, which is not ASCII`;
    }
  if (name.includes('..')) return "it contains '..'";
  if (name.includes('@{')) return "it contains '@{'";
  if (name === '@') return "it is '@', which git reads as HEAD";
  if (name.startsWith('-'))
    return "it starts with '-', which a command line would read as an option";
  if (name.startsWith('.')) return "it starts with '.'";
  if (name.endsWith('.')) return "it ends with '.'";
  if (name.endsWith('.lock')) return "it ends with '.lock'";
  if (/^[A-Z_]*HEAD$/.test(name)) return `'${name}' is reserved by git`;
  if (plain) return undefined;
  if (/[$`'"<>|;&(){}!]/.test(name))
    return 'it contains shell or markup characters ($ ` \' " < > | ; & ( ) { } !)';
  // Whatever else is left (such as '+', '#', '%', ',', '=' or '@') is refused too: names
  // hold only what every ref store, shell and file system takes as it is.
  const other = /[^A-Za-z0-9._-]/.exec(name);
  if (other) return `it contains '${other[0]}', which names cannot hold`;
  return undefined;
}

/** A message for an invalid name, saying what to change. */
export function invalidNameMessage(kind: NameKind, name: string, why: string): string {
  return `Invalid ${kind} name '${displayName(name)}': ${why}. Names become git refs; use ASCII letters, digits, '-', '_' and '.'${kind === 'component' ? " (and '/' between parts)" : ''}.`;
}
