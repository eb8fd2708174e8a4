/**
 * How names and foreign text appear inside messages. Kept apart from `names.ts` (which reads the
 * Unicode name table) so that the VS Code client can show names the same way without bundling
 * that table. Pure: no imports.
 */

/** Invisible and direction-changing characters, which `invalid-name` names as such. */
export function isInvisible(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff ||
    cp === 0x00ad ||
    (cp >= 0x80 && cp <= 0x9f)
  );
}

export function hex(cp: number): string {
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

/** Texts that `displayName` and `displayText` return unchanged: nothing in them is escaped. */
const PLAIN_NAME = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const PLAIN_TEXT = /^[\x20-\x7e\n\t]*$/;

/**
 * A name as it may appear inside a message: every rule and command message passes each name it
 * shows through here. JSON escapes C0 controls, quotes and backslashes, so a name cannot end
 * its quotes early or break a line; DEL and the characters that hide or reorder text would
 * still reorder or hide the very text that tells the user what is wrong, so they are shown as
 * \uXXXX too. A plain name comes back unchanged.
 */
export function displayName(name: string): string {
  // Printable ASCII other than `"` and `\` is left alone by both JSON and the escapes below:
  // most names are that, and messages show several names each.
  if (PLAIN_NAME.test(name)) return name;
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
  if (PLAIN_TEXT.test(text)) return text;
  return Array.from(text, (ch) => {
    const cp = ch.codePointAt(0)!;
    return hidesText(cp) && ch !== '\n' && ch !== '\t' ? escaped(cp) : ch;
  }).join('');
}
