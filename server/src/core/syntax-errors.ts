/**
 * YAML syntax errors placed where the user broke the file, and the point from which the parse
 * cannot be trusted.
 *
 * The yaml package reports some errors where it noticed them, not where they are: an unclosed
 * quote at the end of the file (the string swallowed everything after it), an unclosed `[` or
 * `{` on the next line that is indented too little. The user has to find the opening quote or
 * bracket, so the error is moved there. An alias to an anchor that does not exist is not an
 * error for the parser at all; it only fails when the document is turned into data, which used
 * to be reported as the alias-expansion limit at the top of the file.
 */
import { isAlias, isNode, isPair, visit, type Document, type Node, type YAMLError } from 'yaml';
import { displayText } from './display';

export interface SyntaxFinding {
  start: number;
  end: number;
  message: string;
}

export interface SyntaxReport {
  findings: SyntaxFinding[];
  /**
   * Offset from which the parse is a guess: the earliest broken node's start, moved back over
   * the whitespace before it (a tab-indented line leaves the key above it with an empty value
   * that is not in the file). Undefined when the YAML parses.
   */
  brokenFrom?: number;
  /** True when an alias names no anchor, so the document cannot be turned into data. */
  unresolvedAlias: boolean;
}

type Kind = 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'seq' | 'map';

/** Which node an error is about when yaml reports it away from that node's start. */
function kindOf(err: YAMLError): Kind | undefined {
  const quote = /^Missing closing (["'])quote/.exec(err.message);
  if (quote) return quote[1] === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
  const flow = /^Flow (sequence|map)\b.*must .*end with a/.exec(err.message);
  if (flow) return flow[1] === 'map' ? 'map' : 'seq';
  return undefined;
}

/**
 * Where the quoted scalar or flow collection starting at `start` closes, or -1 when it does not
 * close before `end`. Brackets inside quotes and comments do not count.
 */
function closeOf(text: string, start: number, end: number): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      // A double-quoted string escapes with a backslash, a single-quoted one by doubling.
      while (j < end && (text[j] !== ch || (ch === "'" && text[j + 1] === "'"))) {
        j += (ch === '"' && text[j] === '\\') || (ch === "'" && text[j] === "'") ? 2 : 1;
      }
      if (j >= end) return -1;
      if (i === start) return j;
      i = j;
    } else if (ch === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      while (i < end && text[i] !== '\n') i++;
    } else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && --depth === 0) return i;
  }
  return -1;
}

/**
 * The innermost node of that kind that holds the error and never closes: the node it broke.
 * (An inner collection that closes is not it: in `{a: {b: c}` the outer map is unclosed.)
 */
function brokenNode(doc: Document.Parsed, text: string, kind: Kind, at: number): Node | undefined {
  let best: Node | undefined;
  const consider = (n: Node) => {
    const r = n.range;
    if (!r || r[0] >= at || at > r[2] || closeOf(text, r[0], r[2]) >= 0) return;
    if (!best || r[0] > best.range![0]) best = n;
  };
  visit(doc, {
    Scalar: (_, n) => {
      if (n.type === kind) consider(n);
    },
    Seq: (_, n) => {
      if (kind === 'seq' && n.flow) consider(n);
    },
    Map: (_, n) => {
      if (kind === 'map' && n.flow) consider(n);
    },
  });
  return best;
}

/**
 * The message at the opening token. yaml's own words for an unclosed `[` ("must be sufficiently
 * indented and end with a ]") describe where it gave up, which is no longer where the message
 * is shown; an unclosed quote keeps yaml's message, which reads right at the quote.
 */
function moved(kind: Kind, yamlMessage: string): string {
  if (kind === 'seq')
    return "This '[' is never closed: end the list with ']', on this line or on lines indented more than its key.";
  if (kind === 'map')
    return "This '{' is never closed: end the mapping with '}', on this line or on lines indented more than its key.";
  return yamlMessage;
}

/** End of the node's first line, without trailing blanks, so the range shows `"dev` or `[a, b`. */
function firstLineEnd(text: string, start: number, end: number): number {
  let stop = start;
  while (stop < end && text[stop] !== '\n' && text[stop] !== '\r') stop++;
  while (stop > start + 1 && /[ \t]/.test(text[stop - 1])) stop--;
  return Math.max(stop, start + 1);
}

export function syntaxReport(
  doc: Document.Parsed,
  text: string,
  clean: (err: YAMLError) => string,
): SyntaxReport {
  const findings: SyntaxFinding[] = [];
  const seen = new Set<string>();
  const add = (f: SyntaxFinding) => {
    const key = `${f.start}:${f.end}:${f.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(f);
  };
  for (const err of doc.errors) {
    const [start, end] = err.pos;
    const kind = kindOf(err);
    const node = kind ? brokenNode(doc, text, kind, start) : undefined;
    if (node?.range) {
      const at = node.range[0];
      add({
        start: at,
        end: firstLineEnd(text, at, node.range[1]),
        message: moved(kind!, clean(err)),
      });
    } else add({ start, end: Math.max(end, start + 1), message: clean(err) });
  }
  // One pass in document order with the anchors seen so far: yaml's own `Alias.resolve` walks
  // the whole document per alias, which a file of many aliases would make quadratic.
  let unresolvedAlias = false;
  const anchors = new Set<string>();
  // An alias is written `*name`: a text without `*` has none, and the walk over every node (a
  // twelfth of `validate`'s time on a workspace of small files) can be skipped.
  if (text.includes('*'))
    visit(doc, (_, node) => {
      if (isAlias(node)) {
        if (anchors.has(node.source) || !node.range) return;
        unresolvedAlias = true;
        const name = displayText(node.source);
        add({
          start: node.range[0],
          end: node.range[1],
          message: `Alias *${name} refers to no anchor: there is no &${name} before it.`,
        });
      } else if ((isNode(node) || isPair(node)) && 'anchor' in node && node.anchor) {
        anchors.add(node.anchor);
      }
    });
  if (findings.length === 0) return { findings, unresolvedAlias };
  let brokenFrom = Math.min(...findings.map((f) => f.start));
  while (brokenFrom > 0 && /\s/.test(text[brokenFrom - 1])) brokenFrom--;
  return { findings, brokenFrom, unresolvedAlias };
}
