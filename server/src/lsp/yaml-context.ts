/**
 * Where the cursor stands in a YAML document, read from the text line by line rather than
 * from the parse tree, because completion runs on half-typed YAML (`from: `, `allowed_from:
 * [dev, `) that the parser cannot place. Indentation gives the enclosing keys.
 */

export type CursorKind = 'key' | 'value' | 'flow-item' | 'block-item';

export interface CursorContext {
  /** Keys of the mappings enclosing the cursor, outermost first (`deployment`, `targets`, ...). */
  path: string[];
  kind: CursorKind;
  /** For value and list contexts: the key whose value is being written. */
  key?: string;
  /** What is typed of the current word before the cursor. */
  prefix: string;
  /** Offsets of the word the completion replaces. */
  replaceStart: number;
  replaceEnd: number;
  /** For list contexts: the other items already in the list. */
  listed: string[];
  /** For key contexts: the keys already present in the same mapping. */
  siblings: string[];
  /** True when the value starts right after `:` and needs a space before it. */
  needsSpace: boolean;
}

interface Line {
  text: string;
  start: number;
}

/**
 * The lines of a text, cut out only when read. Completion and hover look at a few lines around
 * the cursor; splitting a file of 40,000 lines into strings on every request took 5–10 ms.
 */
class Lines {
  private readonly starts: number[] = [0];

  constructor(private readonly source: string) {
    for (let nl = source.indexOf('\n'); nl >= 0; nl = source.indexOf('\n', nl + 1))
      this.starts.push(nl + 1);
  }

  get length(): number {
    return this.starts.length;
  }

  start(i: number): number {
    return this.starts[i];
  }

  /** Line `i` without its line break (a `\r` before the `\n` included). */
  text(i: number): string {
    const end = i + 1 < this.starts.length ? this.starts[i + 1] - 1 : this.source.length;
    const line = this.source.slice(this.starts[i], end);
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  at(i: number): Line {
    return { text: this.text(i), start: this.starts[i] };
  }

  /** The line holding `offset`: the last one starting at or before it. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The last text's lines: requests on one document in a row read the same text. */
let lastLines: { text: string; lines: Lines } | undefined;

function linesOf(text: string): Lines {
  if (lastLines?.text !== text) lastLines = { text, lines: new Lines(text) };
  return lastLines.lines;
}

const KEY_LINE =
  /^(\s*)(?:-\s+)?("[^"]*"|'[^']*'|[^\s:#'"\-[{][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/;

function indentOf(s: string): number {
  return s.length - s.trimStart().length;
}

function isBlank(s: string): boolean {
  const t = s.trim();
  return t === '' || t.startsWith('#');
}

export function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0])
    return t.slice(1, -1);
  return t.replace(/^["']/, '');
}

/** The key a line declares, with the column it starts at, or undefined. */
export function keyOfLine(s: string): { key: string; column: number; indent: number } | undefined {
  const m = KEY_LINE.exec(s);
  if (!m) return undefined;
  const column = s.indexOf(m[2], m[1].length);
  return { key: unquote(m[2]), column, indent: m[1].length };
}

/** The keys enclosing line `at` whose content starts at column `indent`, outermost first. */
function parentKeys(lines: Lines, at: number, indent: number): string[] {
  const path: string[] = [];
  let limit = indent;
  for (let i = at - 1; i >= 0 && limit > 0; i--) {
    const s = lines.text(i);
    if (isBlank(s)) continue;
    const ind = indentOf(s);
    if (ind >= limit) continue;
    const k = keyOfLine(s);
    if (k) {
      // For `- key: value` the mapping's content starts at the key, past the dash.
      if (k.column < limit) path.push(k.key);
    }
    limit = ind;
  }
  return path.reverse();
}

/** Keys at the same indentation in the same mapping as line `at`. */
function siblingKeys(lines: Lines, at: number, indent: number): string[] {
  const keys: string[] = [];
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const s = lines.text(i);
      if (isBlank(s)) continue;
      const ind = indentOf(s);
      if (ind < indent) return;
      if (ind > indent) continue;
      const k = keyOfLine(s);
      if (k) keys.push(k.key);
    }
  };
  scan(at - 1, -1);
  scan(at + 1, 1);
  return keys;
}

/** The items of a block sequence whose dashes stand at `dash`, around line `at`. */
function blockItems(lines: Lines, at: number, dash: number): string[] {
  const items: string[] = [];
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const s = lines.text(i);
      if (isBlank(s)) continue;
      const ind = indentOf(s);
      if (ind < dash) return;
      if (ind > dash) continue;
      const m = /^\s*-\s*(.*?)\s*(#.*)?$/.exec(s);
      if (!m) return;
      if (m[1]) items.push(unquote(m[1]));
    }
  };
  scan(at - 1, -1);
  scan(at + 1, 1);
  return items;
}

export function cursorContext(text: string, offset: number): CursorContext {
  const lines = linesOf(text);
  const at = lines.lineOf(offset);
  const line = lines.at(at);
  const col = Math.min(offset - line.start, line.text.length);
  const before = line.text.slice(0, col);
  const after = line.text.slice(col);
  const wordAfter = /^[^\s,\]}#:]*/.exec(after)![0].length;
  const base = {
    replaceEnd: line.start + col + wordAfter,
    listed: [] as string[],
    siblings: [] as string[],
    needsSpace: false,
  };

  const flow = /^(\s*)(?:-\s+)?([^\s:#][^:#]*?)\s*:\s*\[([^\]]*)$/.exec(before);
  if (flow) {
    const parts = flow[3].split(',');
    const last = parts[parts.length - 1];
    const prefix = last.trimStart();
    return {
      ...base,
      path: parentKeys(lines, at, flow[1].length),
      kind: 'flow-item',
      key: unquote(flow[2]),
      prefix: unquote(prefix),
      replaceStart: line.start + col - prefix.length,
      listed: parts
        .slice(0, -1)
        .map(unquote)
        .filter((s) => s !== ''),
    };
  }

  const value = /^(\s*)(-\s+)?("[^"]*"|'[^']*'|[^\s:#'"][^:#]*?)\s*:(\s*)([^#]*)$/.exec(before);
  if (value && !/[[{]/.test(value[5])) {
    const indent = value[1].length + (value[2]?.length ?? 0);
    return {
      ...base,
      path: parentKeys(lines, at, indent),
      kind: 'value',
      key: unquote(value[3]),
      prefix: unquote(value[5]),
      replaceStart: line.start + col - value[5].length,
      needsSpace: value[4] === '' && value[5] === '',
    };
  }

  const item = /^(\s*)-(\s*)([^:#]*)$/.exec(before);
  if (item) {
    const dash = item[1].length;
    // The list's key: the nearest line above that is less indented, or equally indented and
    // not itself an item (YAML allows `key:\n- item` at the key's own indentation).
    let key: string | undefined;
    let path: string[] = [];
    for (let i = at - 1; i >= 0; i--) {
      const s = lines.text(i);
      if (isBlank(s)) continue;
      const ind = indentOf(s);
      const isItem = /^\s*-(\s|$)/.test(s);
      if (ind < dash || (ind === dash && !isItem)) {
        const k = keyOfLine(s);
        if (k) {
          key = k.key;
          path = parentKeys(lines, i, k.column);
        }
        break;
      }
    }
    return {
      ...base,
      path,
      kind: 'block-item',
      key,
      prefix: unquote(item[3]),
      replaceStart: line.start + col - item[3].length,
      listed: blockItems(lines, at, dash),
    };
  }

  const indent = indentOf(before);
  const word = before.slice(indent);
  return {
    ...base,
    path: parentKeys(lines, at, indent),
    kind: 'key',
    prefix: word,
    replaceStart: line.start + col - word.length,
    siblings: siblingKeys(lines, at, indent).filter((k) => k !== word),
  };
}

/** The key under the cursor with its enclosing keys, for hover on keys. */
export function keyAt(
  text: string,
  offset: number,
): { path: string[]; key: string; start: number; end: number } | undefined {
  const lines = linesOf(text);
  const at = lines.lineOf(offset);
  const line = lines.at(at);
  const k = keyOfLine(line.text);
  if (!k) return undefined;
  const col = offset - line.start;
  const raw = line.text.slice(k.column).match(/^("[^"]*"|'[^']*'|[^:]*?)\s*:/)?.[1] ?? k.key;
  if (col < k.column || col > k.column + raw.length) return undefined;
  return {
    path: parentKeys(lines, at, k.column),
    key: k.key,
    start: line.start + k.column,
    end: line.start + k.column + raw.length,
  };
}
