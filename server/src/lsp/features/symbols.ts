/** Document symbols (deployment → targets, components) and folding ranges that follow YAML structure. */
import {
  FoldingRangeKind,
  SymbolKind,
  type DocumentSymbol,
  type FoldingRange,
  type Position,
} from 'vscode-languageserver';
import { isMap, isPair, isSeq, visit, type Node, type Pair } from 'yaml';
import { allowedSources, type SourceRange } from '../../core';
import type { FeatureContext } from '../context';
import { toRange } from '../conversions';
import { findPair, pairRange } from '../yaml-nodes';

export function documentSymbols(ctx: FeatureContext, uri: string): DocumentSymbol[] {
  const file = ctx.docs.deployment(uri);
  const d = file?.deployment;
  if (!file || !d) return [];
  const span = (keys: string[], fallback: SourceRange) => {
    const pair = findPair(file.doc, keys);
    return (pair && pairRange(file, pair)) ?? fallback;
  };
  // A target or component is found by where its key is, not by its name: with two `staging:`
  // blocks, the second's symbol must span the second block, not the first.
  const spanOf = (keys: string[], keyRange: SourceRange, fallback: SourceRange) => {
    const map = findPair(file.doc, keys)?.value;
    const pair = isMap(map)
      ? (map.items as Pair[]).find(
          (p) => (p.key as Node | null)?.range?.[0] === keyRange.start.offset,
        )
      : undefined;
    return (pair && pairRange(file, pair)) ?? fallback;
  };
  const sym = (
    name: string,
    kind: SymbolKind,
    range: SourceRange,
    selection: SourceRange,
    detail?: string,
    children?: DocumentSymbol[],
  ): DocumentSymbol => ({
    name,
    kind,
    range: toRange(range),
    selectionRange: toRange(selection),
    ...(detail ? { detail } : {}),
    ...(children ? { children } : {}),
  });
  const targets = d.targets.map((t) => {
    const sources = allowedSources(t);
    const detail = sources
      ? `from ${sources.join(', ')}${t.promotion?.requiresApproval ? ' · requires approval' : ''}`
      : 'entry point';
    return sym(
      t.name,
      SymbolKind.Object,
      spanOf(['deployment', 'targets'], t.keyRange, t.range),
      t.keyRange,
      detail,
    );
  });
  const components = d.components.map((c) =>
    sym(
      c.name,
      SymbolKind.Module,
      spanOf(['deployment', 'components', c.type], c.keyRange, c.keyRange),
      c.keyRange,
      c.type,
    ),
  );
  const children: DocumentSymbol[] = [];
  if (d.targetsKeyRange)
    children.push(
      sym(
        'targets',
        SymbolKind.Namespace,
        span(['deployment', 'targets'], d.targetsKeyRange),
        d.targetsKeyRange,
        undefined,
        targets,
      ),
    );
  const componentsPair = findPair(file.doc, ['deployment', 'components']);
  const componentsKey = componentsPair && (componentsPair.key as Node | null);
  if (componentsPair && componentsKey?.range) {
    const keyRange = {
      start: file.positionAt(componentsKey.range[0]),
      end: file.positionAt(componentsKey.range[1]),
    };
    children.push(
      sym(
        'components',
        SymbolKind.Namespace,
        pairRange(file, componentsPair) ?? keyRange,
        keyRange,
        undefined,
        components,
      ),
    );
  }
  const name = d.name?.value ?? 'deployment';
  return [
    contain(
      sym(
        name,
        SymbolKind.Package,
        span(['deployment'], d.keyRange),
        d.name?.range ?? d.keyRange,
        d.description,
        children,
      ),
    ),
  ];
}

const before = (a: Position, b: Position) =>
  a.line < b.line || (a.line === b.line && a.character < b.character);

/**
 * VS Code rejects the whole answer when one symbol's selectionRange lies outside its range
 * ("selectionRange must be contained in fullRange"), and Outline and breadcrumbs go blank.
 * Ranges come from the YAML tree, where aliases and repeated keys can put a name outside the
 * block found for it, so each range is widened to hold its selection and its children.
 */
function contain(s: DocumentSymbol): DocumentSymbol {
  const children = s.children?.map(contain);
  let { start, end } = s.range;
  for (const r of [s.selectionRange, ...(children ?? []).map((c) => c.range)]) {
    if (before(r.start, start)) start = r.start;
    if (before(end, r.end)) end = r.end;
  }
  return { ...s, range: { start, end }, ...(children ? { children } : {}) };
}

export function foldingRanges(ctx: FeatureContext, uri: string): FoldingRange[] {
  const file = ctx.docs.get(uri);
  if (!file?.doc) return [];
  const out: FoldingRange[] = [];
  const lineOf = (offset: number) => file.positionAt(offset).line;
  const add = (start: number, endOffset: number) => {
    let end = endOffset;
    while (end > start && /\s/.test(file.text[end - 1])) end--;
    const s = lineOf(start);
    const e = lineOf(end);
    if (e > s) out.push({ startLine: s, endLine: e });
  };
  visit(file.doc, {
    Pair(_k, pair) {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      if (key?.range && value?.range && (isMap(value) || isSeq(value)))
        add(key.range[0], value.range[1]);
    },
    Seq(_k, seq) {
      for (const item of seq.items) {
        const n = item as Node | null;
        if (n?.range && isMap(n) && !isPair(n)) add(n.range[0], n.range[1]);
      }
    },
  });
  // Runs of comment lines fold too, as VS Code's own YAML folding does.
  const lines = file.text.split('\n');
  let run = -1;
  lines.forEach((l, i) => {
    const isComment = /^\s*#/.test(l);
    if (isComment && run < 0) run = i;
    if (!isComment && run >= 0) {
      if (i - 1 > run) out.push({ startLine: run, endLine: i - 1, kind: FoldingRangeKind.Comment });
      run = -1;
    }
  });
  if (run >= 0 && lines.length - 1 > run)
    out.push({ startLine: run, endLine: lines.length - 1, kind: FoldingRangeKind.Comment });
  const seen = new Set<string>();
  return out.filter((r) => {
    const k = `${r.startLine}:${r.endLine}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
