/**
 * Which names may become one segment of a git ref. Deployment, target and component names end
 * up in `refs/atmos/deployments/<d>/<t>/<c>` and in tag names, so anything git would refuse,
 * or could read as something else (an option, `HEAD`, a path walk), is refused before git
 * ever sees it. Names are ASCII only (letters, digits, `-`, `_`, `.`, and `/` inside component
 * names): invisible and bidirectional characters make two names that look the same differ, and
 * a look-alike such as the Cyrillic `о` in `prоd` would pass for `prod` in every review while
 * being another target with its own records.
 */
import { describeCharacter } from './unicode';

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

function segmentProblem(name: string): string | undefined {
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
  if (/[$`'"<>|;&(){}!]/.test(name))
    return 'it contains shell or markup characters ($ ` \' " < > | ; & ( ) { } !)';
  // Whatever else is left (such as '+', '#', '%', ',', '=' or '@') is refused too: names
  // hold only what every ref store, shell and file system takes as it is.
  const other = /[^A-Za-z0-9._-]/.exec(name);
  if (other) return `it contains '${other[0]}', which names cannot hold`;
  return undefined;
}

function isInvisible(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff ||
    cp === 0x00ad ||
    (cp >= 0x80 && cp <= 0x9f)
  );
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Characters that must never reach an editor, terminal or log raw because they hide or reorder
 * the text around them: the invisible and direction-changing ones above, and also the Arabic
 * letter mark, line and paragraph separators, fillers that render as nothing, interlinear
 * annotation marks, variation selectors and tag characters.
 */
function hidesText(cp: number): boolean {
  return (
    cp < 0x20 ||
    cp === 0x7f ||
    isInvisible(cp) ||
    cp === 0x034f ||
    cp === 0x061c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x180e ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x3164 ||
    cp === 0xffa0 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    (cp >= 0xe0000 && cp <= 0xe01ef) ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

/** One character as `\uXXXX` (or `\u{XXXXX}` beyond the BMP), the way JSON and JS read it. */
function escaped(cp: number): string {
  return cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${hex(cp)}`;
}

/**
 * A name as it may appear inside a message: every rule and command message passes each name it
 * shows through here. JSON escapes C0 controls, quotes and backslashes, so a name cannot end
 * its quotes early or break a line; DEL and the characters that hide or reorder text would
 * still reorder or hide the very text that tells the user what is wrong, so they are shown as
 * \uXXXX too. A plain name comes back unchanged.
 */
export function displayName(name: string): string {
  return Array.from(JSON.stringify(name).slice(1, -1), (ch) => {
    const cp = ch.codePointAt(0)!;
    return hidesText(cp) ? escaped(cp) : ch;
  }).join('');
}

/**
 * Text from elsewhere (the YAML parser's messages) as it may appear inside a message: the same
 * characters as in `displayName` are escaped, and quotes are left as they are.
 */
export function displayText(text: string): string {
  return Array.from(text, (ch) => {
    const cp = ch.codePointAt(0)!;
    return hidesText(cp) && ch !== '\n' && ch !== '\t' ? escaped(cp) : ch;
  }).join('');
}

/** A message for an invalid name, saying what to change. */
export function invalidNameMessage(kind: NameKind, name: string, why: string): string {
  return `Invalid ${kind} name '${displayName(name)}': ${why}. Names become git refs; use ASCII letters, digits, '-', '_' and '.'${kind === 'component' ? " (and '/' between parts)" : ''}.`;
}
