/**
 * Reads the text graph back into edges, the way a person reads the picture, so that a property
 * test can compare it with the graph: `a → b` on a line, `↓` and `├─→`/`└─→` hanging on a
 * vertical that runs up to their source, the spec's bypass box, and the `also:` and `cycle:`
 * lines. Anything the reader cannot account for (an arrow with nothing at one end, a vertical
 * that leads nowhere) throws, so a picture that misleads fails the test instead of being
 * skipped. Used by graph-text.test.ts and by `npm run fuzz` (test/hardening/fuzz-long.ts).
 */
import fc from 'fast-check';
import { buildGraph, graphToText, parseDeploymentFile } from '../../server/src/core';

type Cell = { kind: 'sym'; ch: string } | { kind: 'name'; name: string; start: number };

const SYMBOLS = new Set([...'→↓│├└┌┐┘┤─']);

/** Decodes a quoted label: JSON, plus the `\u{XXXXX}` escape that `displayName` writes. */
function unquote(label: string): string {
  const json = label.replace(/\\u\{([0-9A-F]+)\}/g, (_, hex: string) =>
    JSON.stringify(String.fromCodePoint(parseInt(hex, 16))).slice(1, -1),
  );
  return JSON.parse(json) as string;
}

/** One row of the picture as cells by column (code points), names spread over their width. */
function tokenize(row: string): Cell[] {
  const chars = [...row];
  const cells: Cell[] = [];
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i];
    if (ch === ' ' || SYMBOLS.has(ch)) {
      if (ch !== ' ') cells[i] = { kind: 'sym', ch };
      i++;
      continue;
    }
    let j = i;
    if (ch === '"') {
      j++;
      while (j < chars.length && chars[j] !== '"') j += chars[j] === '\\' ? 2 : 1;
      if (j >= chars.length) throw new Error(`unclosed quoted name in ${JSON.stringify(row)}`);
      j++;
    } else {
      while (j < chars.length && chars[j] !== ' ' && !SYMBOLS.has(chars[j])) j++;
    }
    const text = chars.slice(i, j).join('');
    const name = ch === '"' ? unquote(text) : text;
    for (let k = i; k < j; k++) cells[k] = { kind: 'name', name, start: i };
    i = j;
  }
  return cells;
}

export interface Picture {
  edges: Array<[string, string]>;
  /** Every target the picture shows, in the drawing or in its `also:` and `cycle:` lines. */
  names: Set<string>;
  /** Targets in the drawing itself, once per appearance. */
  drawnNames: string[];
}

export function readPicture(text: string): Picture {
  const all = text.split('\n');
  let end = all.findIndex((l) => l === '' || /^(also|cycle): /.test(l));
  if (end < 0) end = all.length;
  if (all[0] === '(no targets)') end = 0;
  const grid = all.slice(0, end).map(tokenize);
  const edges: Array<[string, string]> = [];
  const names = new Set<string>();
  const drawnNames: string[] = [];
  const at = (r: number, c: number): Cell | undefined => grid[r]?.[c];
  const sym = (r: number, c: number) => {
    const cell = at(r, c);
    return cell?.kind === 'sym' ? cell.ch : undefined;
  };
  const nameStartingAt = (r: number, c: number, why: string): string => {
    const cell = at(r, c);
    if (cell?.kind !== 'name' || cell.start !== c)
      throw new Error(`${why}: no name starts at row ${r + 1}, column ${c + 1}\n${text}`);
    return cell.name;
  };
  /** The source of a vertical: up through `│` and `├` to the first letter of a name. */
  const up = (r: number, c: number): string => {
    let row = r - 1;
    while (row >= 0 && (sym(row, c) === '│' || sym(row, c) === '├')) row--;
    return nameStartingAt(row, c, 'vertical');
  };

  grid.forEach((cells, r) => {
    cells.forEach((cell, c) => {
      if (!cell) return;
      if (cell.kind === 'name') {
        if (cell.start === c) drawnNames.push(cell.name);
        return;
      }
      if (cell.ch === '↓') edges.push([up(r, c), nameStartingAt(r + 1, c, '↓')]);
      if (cell.ch === '│') {
        let row = r + 1;
        while (sym(row, c) === '│' || sym(row, c) === '├') row++;
        if (sym(row, c) !== '└' && sym(row, c) !== '↓')
          throw new Error(`a vertical at row ${r + 1}, column ${c + 1} leads nowhere\n${text}`);
      }
      if (cell.ch === '┌') {
        // The bypass box: A ─┤ (┌─→ X ─┐) ├─→ B reads A → X, X → B and A → B.
        const x = nameStartingAt(r, c + 4, 'box');
        let q = c + 1;
        while (q < cells.length && sym(r, q) !== '┐') q++;
        const left = at(r + 1, c - 3);
        if (sym(r + 1, c) !== '┤' || sym(r + 1, q) !== '├' || left?.kind !== 'name')
          throw new Error(`malformed box at row ${r + 1}\n${text}`);
        if (sym(r + 2, c) !== '└' || sym(r + 2, q) !== '┘')
          throw new Error(`box without its bottom at row ${r + 3}\n${text}`);
        const b = nameStartingAt(r + 1, q + 4, 'box');
        edges.push([left.name, x], [x, b], [left.name, b]);
      }
      if (cell.ch === '→') {
        const target = nameStartingAt(r, c + 2, '→');
        const before = at(r, c - 1);
        if (before === undefined) {
          const source = at(r, c - 2);
          if (source?.kind !== 'name') throw new Error(`→ without a source at row ${r + 1}`);
          edges.push([source.name, target]);
          return;
        }
        let j = c - 1;
        while (sym(r, j) === '─') j--;
        const junction = sym(r, j);
        if (junction === '┌' || sym(r - 1, j) === '┐') return;
        if (junction !== '├' && junction !== '└')
          throw new Error(`→ hangs on nothing at row ${r + 1}, column ${c + 1}\n${text}`);
        edges.push([up(r, j), target]);
      }
    });
  });
  for (const l of all.slice(end)) {
    const m = /^(also|cycle): (.*)$/.exec(l);
    if (!m) continue;
    const cells = tokenize(m[2]);
    const chain = cells.filter((c, i) => c?.kind === 'name' && c.start === i) as Array<
      Cell & { kind: 'name' }
    >;
    for (const cell of chain) names.add(cell.name);
    if (m[1] === 'also' && chain.length !== 2) throw new Error(`bad also line: ${l}`);
    for (let i = 1; i < chain.length; i++) edges.push([chain[i - 1].name, chain[i].name]);
  }
  for (const n of drawnNames) names.add(n);
  return { edges, names, drawnNames };
}

/** Target names: plain ones, and some that must be quoted to be read back. */
const NAMES = [
  'dev',
  'qa',
  'staging',
  'prod',
  'perf',
  'canary',
  'other',
  'x',
  'a-b',
  'eu.1',
  'with space',
  'a → b',
  'q"t',
  'c:d',
  'prоd',
  '↓',
  '│',
];

/** A random deployment as YAML: targets with no rule, `from` or `allowed_from`, any names. */
export const deploymentArb = fc
  .uniqueArray(fc.constantFrom(...NAMES), { minLength: 0, maxLength: 9 })
  .chain((targets) => {
    const pick = fc.constantFrom(...targets, 'ghost');
    const rule = fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: pick.map((s) => ({ from: s })) },
      {
        weight: 3,
        arbitrary: fc.array(pick, { maxLength: 4 }).map((s) => ({ allowed_from: s })),
      },
    );
    return fc.tuple(fc.constant(targets), fc.array(rule, { minLength: targets.length }));
  })
  .map(([targets, rules]) => {
    const lines = ['deployment:', '  name: x', '  targets:'];
    targets.forEach((t, i) => {
      const rule = rules[i];
      lines.push(`    ${JSON.stringify(t)}: ${JSON.stringify(rule ? { promotion: rule } : {})}`);
    });
    return lines.join('\n') + '\n';
  });

/** Draws the deployment and checks the picture against its graph; throws on a difference. */
export function checkPicture(yaml: string): void {
  const deployment = parseDeploymentFile(yaml, 'x.yaml').deployment!;
  const graph = buildGraph(deployment);
  const text = graphToText(deployment, graph);
  const picture = readPicture(text);
  const key = ([a, b]: [string, string]) => JSON.stringify([a, b]);
  const read = new Set(picture.edges.map(key));
  const want = new Set(graph.edges.map((e) => key([e.from, e.to])));
  const extra = [...read].filter((e) => !want.has(e));
  const missing = [...want].filter((e) => !read.has(e));
  const nodes = new Set(graph.nodes);
  const strayNames = [...picture.names].filter((n) => !nodes.has(n));
  const lostNames = [...nodes].filter((n) => !picture.names.has(n));
  const twice = picture.drawnNames.filter((n, i) => picture.drawnNames.indexOf(n) !== i);
  if (extra.length || missing.length || strayNames.length || lostNames.length || twice.length)
    throw new Error(
      `the picture disagrees with the graph\n${text}\n` +
        JSON.stringify({ extra, missing, strayNames, lostNames, twice }),
    );
}
