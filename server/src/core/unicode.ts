/**
 * Unicode names of characters, for messages that must show which character is wrong: a name
 * such as `prоd` looks like `prod`, so only `U+043E CYRILLIC SMALL LETTER O` tells the user what
 * to retype. The table is generated at build time (scripts/gen-unicode-names.mjs) and holds only
 * the blocks where look-alikes of ASCII letters and invisible characters live.
 */
import { BLOCKS, WORDS } from './unicode-names.generated';

let words: string[] | undefined;
const decoded = new Map<number, string[]>();

/** The character's Unicode name, when its block is in the table and it has one. */
export function unicodeName(cp: number): string | undefined {
  const i = blockIndex(cp);
  if (i < 0) return undefined;
  const [first, , , names] = BLOCKS[i];
  // Decoding a block is cheap, but only messages need it, so it happens on first use.
  let entries = decoded.get(i);
  if (!entries) {
    entries = names.split(',');
    decoded.set(i, entries);
  }
  const entry = entries[cp - first];
  if (!entry) return undefined;
  words ??= WORDS.split(' ');
  return entry
    .split(' ')
    .map((w) => words![parseInt(w, 36)])
    .join(' ');
}

function blockIndex(cp: number): number {
  return BLOCKS.findIndex(([first, last]) => cp >= first && cp <= last);
}

/** `U+XXXX`, four to six hex digits as Unicode writes them. */
export function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A character as a message shows it: `U+043E CYRILLIC SMALL LETTER O`. Outside the table's
 * blocks the code point stands alone with a note saying so, rather than a guessed name.
 */
export function describeCharacter(cp: number): string {
  const name = unicodeName(cp);
  if (name) return `${codePointLabel(cp)} ${name}`;
  if (blockIndex(cp) >= 0) return `${codePointLabel(cp)} (unassigned, or a control character)`;
  return `${codePointLabel(cp)} (a character outside the blocks whose names this tool carries)`;
}
