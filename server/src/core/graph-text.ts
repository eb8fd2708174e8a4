/**
 * The promotion graph as text, drawn the way the spec draws it: a chain on one line
 * (`dev → staging → prod`), a single branch as `↓` under its source, the spec's box for "dev or
 * qa, then staging", and `├─→` / `└─→` on a vertical line when one target has several branches.
 *
 * The picture must never show an edge the graph does not have and never hide one it has, so
 * the layout follows rules that a reader (and `test/unit/graph-picture.ts`) can rely on:
 *
 * - `a → b` on one line is the edge a → b.
 * - A `↓` or a `├─→`/`└─→` connector hangs on a vertical that runs straight up, through `│`
 *   and `├` only, to the first letter of its source; nothing else ever sits in that column
 *   between the two, because the branches of a line are drawn from its rightmost target to
 *   its leftmost, and everything below a target stays at or right of its column.
 * - Every edge that the drawing cannot show in place (a second source, an edge into or out of
 *   a cycle) is listed as `also: a → b`, and every cycle as `cycle: a → b → a`.
 * - A name that could be mistaken for drawing (spaces, arrows, quotes, `:`, anything outside
 *   printable ASCII) is shown as a quoted, escaped string.
 */
import { displayName } from './display';
import type { PromotionGraph } from './graph';
import type { Deployment } from './model';

/** A drawn target whose column a vertical may start from. */
interface Anchor {
  name: string;
  row: number;
  col: number;
}

const PLAIN_NAME = /^[\x21-\x7e]+$/;

/** How a target's name appears in the picture (see the file comment). */
export function graphTextLabel(name: string): string {
  const plain = PLAIN_NAME.test(name) && !/["\\:]/.test(name);
  return plain ? name : `"${displayName(name)}"`;
}

/** Longest path from `start`, or from any target with no sources, through `among` only. */
function longestChain(graph: PromotionGraph, among: Set<string>, start?: string): string[] {
  const best = new Map<string, string[]>();
  for (const n of [...graph.order].reverse()) {
    if (!among.has(n)) continue;
    let tail: string[] = [];
    for (const d of graph.dependents.get(n) ?? []) {
      const t = best.get(d);
      if (t && t.length > tail.length && !t.includes(n)) tail = t;
    }
    best.set(n, [n, ...tail]);
  }
  if (start) return best.get(start) ?? [start];
  let chain: string[] = [];
  for (const n of graph.order) {
    const c = best.get(n);
    if (c && c.length > chain.length && (graph.sources.get(n) ?? []).length === 0) chain = c;
  }
  return chain;
}

/**
 * Where the main chain `a → m → b` also has the direct edge `a → b` (the spec's "dev or qa,
 * then staging"): the index of `a`, or -1. Only the first such bypass is drawn as a box.
 */
function findBypass(chain: string[], graph: PromotionGraph): number {
  for (let i = 0; i + 2 < chain.length; i++) {
    if ((graph.dependents.get(chain[i]) ?? []).includes(chain[i + 2])) return i;
  }
  return -1;
}

/** Rows of single code points, so that columns count characters, not UTF-16 units. */
class Canvas {
  readonly rows: string[][] = [];

  write(row: number, col: number, text: string): void {
    while (this.rows.length <= row) this.rows.push([]);
    const cells = this.rows[row];
    while (cells.length < col) cells.push(' ');
    [...text].forEach((ch, i) => (cells[col + i] = ch));
  }

  /** Continues a vertical through the rows between a source and its connector. */
  vertical(col: number, fromRow: number, toRow: number): void {
    for (let r = fromRow; r < toRow; r++) {
      const cell = this.rows[r]?.[col];
      if (cell === undefined || cell === ' ') this.write(r, col, '│');
    }
  }

  text(): string[] {
    return this.rows.map((r) => r.join('').trimEnd());
  }
}

export function drawGraphText(deployment: Deployment, graph: PromotionGraph): string {
  const canvas = new Canvas();
  const drawn = new Set<string>();
  const placed = new Set<string>();
  const inCycle = new Set(graph.cycles.flatMap((c) => c.path));
  const edgeKey = (a: string, b: string) => `${a}\u0000${b}`;
  const free = (n: string) => !placed.has(n) && !inCycle.has(n);
  const freeSet = (also?: string) => new Set(graph.order.filter((n) => free(n) || n === also));
  const width = (s: string) => [...s].length;

  /** Writes `a → b → c` at a row and column and returns where each target stands. */
  const line = (chain: string[], row: number, col: number): Anchor[] => {
    const anchors: Anchor[] = [];
    let at = col;
    chain.forEach((n, i) => {
      if (i > 0) {
        canvas.write(row, at, ' → ');
        at += 3;
        drawn.add(edgeKey(chain[i - 1], n));
      }
      anchors.push({ name: n, row, col: at });
      canvas.write(row, at, graphTextLabel(n));
      at += width(graphTextLabel(n));
      placed.add(n);
    });
    return anchors;
  };

  /** Draws the targets promoted from the anchors, rightmost anchor first (see file comment). */
  const branch = (anchors: Anchor[]): void => {
    for (const a of [...anchors].reverse()) {
      const heads = [...new Set(graph.dependents.get(a.name) ?? [])].filter(free);
      heads.forEach((h) => placed.add(h));
      heads.forEach((h, i) => {
        const chain = longestChain(graph, freeSet(h), h);
        const row = canvas.rows.length;
        canvas.vertical(a.col, a.row + 1, row);
        drawn.add(edgeKey(a.name, h));
        if (heads.length === 1) {
          canvas.write(row, a.col, '↓');
          branch(line(chain, row + 1, a.col));
        } else {
          canvas.write(row, a.col, i === heads.length - 1 ? '└─→ ' : '├─→ ');
          branch(line(chain, row, a.col + 4));
        }
      });
    }
  };

  /**
   * Draws the chain with the bypass as the spec does, and returns the targets that branches
   * may hang from (the middle one cannot: the box is in the way):
   *
   *          ┌─→ qa ─┐
   *     dev ─┤       ├─→ staging → prod
   *          └───────┘
   */
  const box = (chain: string[], at: number): Anchor[] => {
    const row = canvas.rows.length;
    const head = line(chain.slice(0, at + 1), row + 1, 0);
    const headWidth = width(canvas.rows[row + 1].join(''));
    const middle = chain[at + 1];
    const inner = `─→ ${graphTextLabel(middle)} ─`;
    canvas.write(row, headWidth + 2, `┌${inner}┐`);
    line([middle], row, headWidth + 2 + 4);
    canvas.write(row + 1, headWidth, ` ─┤${' '.repeat(width(inner))}├─→ `);
    const tail = line(chain.slice(at + 2), row + 1, headWidth + 3 + width(inner) + 4);
    canvas.write(row + 2, headWidth + 2, `└${'─'.repeat(width(inner))}┘`);
    drawn.add(edgeKey(chain[at], middle));
    drawn.add(edgeKey(middle, chain[at + 2]));
    drawn.add(edgeKey(chain[at], chain[at + 2]));
    return [...head, ...tail];
  };

  const main = longestChain(graph, freeSet());
  const bypass = findBypass(main, graph);
  if (bypass >= 0) branch(box(main, bypass));
  else if (main.length) branch(line(main, 0, 0));
  for (const n of graph.order) {
    if (free(n)) branch(line(longestChain(graph, freeSet(n), n), canvas.rows.length, 0));
  }

  const lines = canvas.text();
  for (const c of graph.cycles) c.edges.forEach((e) => drawn.add(edgeKey(e.from, e.to)));
  for (const e of graph.edges) {
    if (drawn.has(edgeKey(e.from, e.to))) continue;
    drawn.add(edgeKey(e.from, e.to));
    lines.push(`also: ${graphTextLabel(e.from)} → ${graphTextLabel(e.to)}`);
  }
  for (const c of graph.cycles) lines.push(`cycle: ${c.path.map(graphTextLabel).join(' → ')}`);
  const approval = deployment.targets
    .filter((t) => t.promotion?.requiresApproval)
    .map((t) => graphTextLabel(t.name));
  if (approval.length) lines.push('', `requires approval: ${approval.join(', ')}`);
  if (lines.length === 0) lines.push('(no targets)');
  return lines.join('\n');
}
