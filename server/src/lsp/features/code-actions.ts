/**
 * Quick fixes for the fixable codes. Each fix reads the facts the rule attached to its problem
 * (`data`: target, source, suggestion, whether an edge closes a cycle); nothing here re-derives
 * a rule. The edits themselves work on the YAML tree so block and flow styles both come out
 * valid.
 */
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionContext,
  type Range,
  type TextEdit,
} from 'vscode-languageserver';
import { isMap, isSeq, visit, type Node, type Pair, type YAMLMap } from 'yaml';
import { displayName, findTarget, type DeploymentFile, type Problem } from '../../core';
import type { FeatureContext } from '../context';
import { rangesTouch, toDiagnostic, toPosition, toRange } from '../conversions';
import { findPair } from '../yaml-nodes';

export function codeActions(
  ctx: FeatureContext,
  uri: string,
  range: Range,
  context: CodeActionContext,
): CodeAction[] {
  if (context.only && !context.only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
  const file = ctx.docs.deployment(uri);
  if (!file) return [];
  const clientUri = ctx.docs.clientUri(uri);
  const out: CodeAction[] = [];
  // Two problems can share one fix: an edge that closes two cycles gets a promotion-cycle
  // diagnostic per cycle, and each offered the same edit, so the menu listed it twice. One
  // action per distinct fix, naming every diagnostic it resolves.
  const byFix = new Map<string, CodeAction>();
  for (const p of ctx.docs.problems(uri)) {
    if (!rangesTouch(toRange(p.range), range)) continue;
    for (const fix of fixesFor(file, p)) {
      const key = JSON.stringify([fix.title, fix.edits]);
      const same = byFix.get(key);
      if (same) {
        same.diagnostics?.push(toDiagnostic(p));
        continue;
      }
      const action: CodeAction = {
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toDiagnostic(p)],
        isPreferred: fix.preferred,
        edit: { changes: { [clientUri]: fix.edits } },
      };
      byFix.set(key, action);
      out.push(action);
    }
    const retire = retireAction(file, p);
    if (retire) out.push(retire);
  }
  return out;
}

/**
 * `recorded-component-conflict` is fixed in git, not in the text: retire the recorded
 * component (the client confirms, then asks the server's `atmosDeployments/retire`).
 */
function retireAction(file: DeploymentFile, p: Problem): CodeAction | undefined {
  const recorded = str(p.data?.recorded);
  const deployment = file.deployment?.name?.value;
  if (p.code !== 'recorded-component-conflict' || !recorded || !deployment) return undefined;
  const title = `Retire the recorded component '${displayName(recorded)}' (its tags stay as history)`;
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [toDiagnostic(p)],
    isPreferred: true,
    command: {
      title,
      command: 'atmosDeployments.retireComponent',
      arguments: [{ deployment, component: recorded, targets: p.data?.targets ?? [] }],
    },
  };
}

interface Fix {
  title: string;
  edits: TextEdit[];
  preferred?: boolean;
}

function str(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The fixes for one problem, from its code and data. */
export function fixesFor(file: DeploymentFile, p: Problem): Fix[] {
  const target = str(p.data?.target);
  const source = str(p.data?.source);
  const suggestion = str(p.data?.suggestion);
  const promotion = target ? ['deployment', 'targets', target, 'promotion'] : [];
  switch (p.code) {
    case 'promotion-exclusive': {
      if (!target) return [];
      const fromPair = findPair(file.doc, [...promotion, 'from']);
      const allowedPair = findPair(file.doc, [...promotion, 'allowed_from']);
      const fixes: Fix[] = [];
      const dropAllowed = allowedPair && deletePair(file, allowedPair);
      const dropFrom = fromPair && deletePair(file, fromPair);
      if (dropAllowed)
        fixes.push({ title: "Keep 'from', remove 'allowed_from'", edits: [dropAllowed] });
      if (dropFrom) fixes.push({ title: "Keep 'allowed_from', remove 'from'", edits: [dropFrom] });
      return fixes;
    }
    case 'unknown-source': {
      const fixes: Fix[] = [];
      if (suggestion)
        fixes.push({
          title: `Replace '${source ?? ''}' with '${suggestion}'`,
          edits: [{ range: toRange(p.range), newText: suggestion }],
          preferred: true,
        });
      // With or without a near name, the user may mean a target still to be written, or a
      // source that should not be there at all.
      const add = source ? addTarget(file, source) : undefined;
      if (add)
        fixes.push({
          title: `Add target '${displayName(source!)}' as an entry point`,
          edits: [add],
        });
      const remove = target ? removeSource(file, target, p.range.start.offset) : undefined;
      if (remove) fixes.push({ title: `Remove '${displayName(source ?? '')}'`, edits: [remove] });
      return fixes;
    }
    case 'unknown-dependency': {
      // The nearest component, or the typed name of a bare one (`vpc` → `terraform/vpc`).
      const dependency = str(p.data?.dependency) ?? '';
      return suggestion
        ? [
            {
              title: `Replace '${displayName(dependency)}' with '${displayName(suggestion)}'`,
              edits: [{ range: toRange(p.range), newText: suggestion }],
              preferred: true,
            },
          ]
        : [];
    }
    case 'schema':
      if (p.data?.fix === 'move-to-promotion') {
        const key = str(p.data?.key);
        const move = target && key ? moveToPromotion(file, target, key) : undefined;
        return move
          ? [
              {
                title: `Move '${key}' under ${displayName(target!)}'s 'promotion:'`,
                edits: move,
                preferred: true,
              },
            ]
          : [];
      }
      return renameKey(file, p, suggestion);
    case 'unknown-key':
      return renameKey(file, p, suggestion);
    case 'promotion-cycle': {
      if (p.data?.closing !== 'true' || !target || !source) return [];
      const edit = removeSource(file, target, p.range.start.offset);
      return edit
        ? [
            {
              title: `Break the cycle: stop promoting ${target} from ${source}`,
              edits: [edit],
              preferred: true,
            },
          ]
        : [];
    }
    case 'duplicate-source': {
      if (!target) return [];
      const edit = removeSource(file, target, p.range.start.offset);
      return edit
        ? [{ title: `Remove the repeated '${source ?? ''}'`, edits: [edit], preferred: true }]
        : [];
    }
    default:
      return [];
  }
}

/**
 * Renames an unknown key to the known one it is closest to; not offered when the mapping holds
 * that key already, since the rename would only trade this problem for a duplicate key.
 */
function renameKey(file: DeploymentFile, p: Problem, suggestion: string | undefined): Fix[] {
  if (!suggestion) return [];
  const holder = mapHolding(file, p.range.start.offset);
  if (holder?.items.some((pair) => scalarKey(pair) === suggestion)) return [];
  return [
    {
      title: `Rename key '${str(p.data?.key) ?? ''}' to '${suggestion}'`,
      edits: [{ range: toRange(p.range), newText: suggestion }],
      preferred: true,
    },
  ];
}

function scalarKey(pair: Pair): string | undefined {
  const k = pair.key as Node | null;
  return k && 'value' in k && k.value !== null && k.value !== undefined
    ? String(k.value)
    : undefined;
}

/** The mapping one of whose keys starts at `offset`. */
function mapHolding(file: DeploymentFile, offset: number): YAMLMap | undefined {
  let found: YAMLMap | undefined;
  if (!file.doc) return undefined;
  visit(file.doc, {
    Map(_, map) {
      if (map.items.some((pair) => (pair.key as Node | null)?.range?.[0] === offset)) {
        found = map;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Moves a promotion key written directly under a target into that target's `promotion:`,
 * creating `promotion:` where there is none. Not offered when `promotion:` has that key
 * already (the two would disagree, and only the user can say which one is meant), nor when
 * `promotion:` is there but is not a mapping.
 */
function moveToPromotion(
  file: DeploymentFile,
  target: string,
  key: string,
): TextEdit[] | undefined {
  const targetPair = findPair(file.doc, ['deployment', 'targets', target]);
  const targetMap = targetPair?.value;
  if (!isMap(targetMap)) return undefined;
  const pair = targetMap.items.find((p) => scalarKey(p) === key);
  const k = (pair?.key as Node | null | undefined)?.range;
  if (!pair || !k) return undefined;
  const text = file.text;
  const v = (pair.value as Node | null)?.range;
  const end = trimmedEnd(text, k[0], Math.max(k[1], v?.[1] ?? k[1]));
  const pairText = text.slice(k[0], end);
  // A comment after the value (`requires_approval: true  # CAB sign-off`) moves with it, since
  // the removal takes its whole line; and new lines use the file's own line break.
  const comment = /^[ \t]+#[^\r\n]*/.exec(text.slice(end))?.[0] ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const flowValue = (): string => {
    const value = (pair.value as Node | null)?.toJSON?.() ?? null;
    return `${key}: ${JSON.stringify(value)}`;
  };
  const promotionPair = targetMap.items.find((p) => scalarKey(p) === 'promotion');
  if (!promotionPair) {
    // No `promotion:` yet: the key becomes one, in place, with the moved key inside it.
    if (targetMap.flow) return [edit(file, k[0], end, `promotion: {${flowValue()}}`)];
    const column = k[0] - lineStart(text, k[0]);
    const inner = ' '.repeat(column + 2);
    return [edit(file, k[0], end, `promotion:${eol}${inner}${reindent(pairText, 2)}`)];
  }
  const promotion = promotionPair.value;
  if (!isMap(promotion)) return undefined;
  if (promotion.items.some((p) => scalarKey(p) === key)) return undefined;
  const removal = deletePair(file, pair);
  if (!removal) return undefined;
  const first = (promotion.items[0]?.key as Node | null | undefined)?.range;
  if (promotion.flow || !first) {
    // `promotion: {from: staging}` (or `{}`): the key goes in before the closing brace.
    const r = promotion.range;
    if (!r) return undefined;
    const close = text.lastIndexOf('}', r[1]);
    if (close < r[0]) return undefined;
    const sep = promotion.items.length ? ', ' : '';
    return [removal, edit(file, close, close, `${sep}${flowValue()}`)];
  }
  const column = first[0] - lineStart(text, first[0]);
  const oldColumn = k[0] - lineStart(text, k[0]);
  const at = lineStart(text, first[0]);
  return [
    removal,
    edit(
      file,
      at,
      at,
      `${' '.repeat(column)}${reindent(pairText, column - oldColumn)}${comment}${eol}`,
    ),
  ];
}

/** Shifts every line after the first by `by` columns (a block value keeps its shape). */
function reindent(pairText: string, by: number): string {
  const [head, ...rest] = pairText.split('\n');
  return [
    head,
    ...rest.map((line) =>
      by >= 0 ? ' '.repeat(by) + line : line.slice(Math.min(-by, line.search(/\S|$/))),
    ),
  ].join('\n');
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** End of the line holding `offset`, past its line break. */
function nextLineStart(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

function trimmedEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text[e - 1])) e--;
  return e;
}

function edit(file: DeploymentFile, start: number, end: number, newText = ''): TextEdit {
  return {
    range: { start: toPosition(file.positionAt(start)), end: toPosition(file.positionAt(end)) },
    newText,
  };
}

/**
 * Deletes the span [start, end) of a mapping pair or list item. In block style whole lines
 * go; in flow style (`{a: 1, b: 2}`, `[a, b]`) the neighbouring comma goes with it.
 */
function deleteSpan(
  file: DeploymentFile,
  start: number,
  end: number,
  blockPrefix: RegExp,
): TextEdit {
  const text = file.text;
  const ls = lineStart(text, start);
  const head = text.slice(ls, start);
  const tailEnd = nextLineStart(text, end);
  const tail = text.slice(end, tailEnd);
  if (blockPrefix.test(head) && /^\s*(#.*)?\r?\n?$/.test(tail)) return edit(file, ls, tailEnd);
  const after = /^\s*,\s*/.exec(text.slice(end));
  if (after) return edit(file, start, end + after[0].length);
  const before = /,\s*$/.exec(text.slice(0, start));
  if (before) return edit(file, start - before[0].length, end);
  return edit(file, start, end);
}

function deletePair(file: DeploymentFile, pair: Pair): TextEdit | undefined {
  const k = (pair.key as Node | null)?.range;
  if (!k) return undefined;
  const v = (pair.value as Node | null)?.range;
  const end = trimmedEnd(file.text, k[0], Math.max(k[1], v?.[1] ?? k[1]));
  return deleteSpan(file, k[0], end, /^\s*(-\s+)?$/);
}

/**
 * Removes the source reference that starts at `refOffset` from a target's promotion. When it
 * is the only source, the whole rule goes (an empty `allowed_from` or `promotion` would be an
 * error of its own), which makes the target an entry point.
 */
function removeSource(
  file: DeploymentFile,
  target: string,
  refOffset: number,
): TextEdit | undefined {
  const t = file.deployment && findTarget(file.deployment, target);
  const p = t?.promotion;
  if (!p) return undefined;
  const path = ['deployment', 'targets', target, 'promotion'];
  const promotionPair = findPair(file.doc, path);
  const promotionKeys = isMap(promotionPair?.value) ? promotionPair.value.items.length : 0;
  const dropRule = (pair: Pair | undefined) =>
    promotionKeys <= 1 && promotionPair
      ? deletePair(file, promotionPair)
      : pair && deletePair(file, pair);
  if (p.from && p.from.range.start.offset === refOffset)
    return dropRule(findPair(file.doc, [...path, 'from']));
  const allowedPair = findPair(file.doc, [...path, 'allowed_from']);
  const seq = allowedPair?.value;
  if (!isSeq(seq)) return undefined;
  const items = seq.items as Array<Node | null>;
  const item = items.find((n) => n?.range?.[0] === refOffset);
  if (!item?.range) return undefined;
  if (items.length <= 1) return dropRule(allowedPair);
  const end = trimmedEnd(file.text, item.range[0], item.range[1]);
  return deleteSpan(file, item.range[0], end, /^\s*-\s*$/);
}

/**
 * Adds `name: {}` after the last target: an entry point, which the user can then give rules.
 * Block style gets a line at the targets' indentation, flow style an item before the `}`.
 * Only names that can be a target are offered (not `other-deployment/prod`, not a name that
 * `invalid-name` would refuse); names YAML would read as something else are quoted.
 */
function addTarget(file: DeploymentFile, name: string): TextEdit | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) return undefined;
  const key =
    /^[A-Za-z_][A-Za-z0-9._-]*$/.test(name) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(name)
      ? name
      : JSON.stringify(name);
  const map = findPair(file.doc, ['deployment', 'targets'])?.value;
  if (!isMap(map) || !map.range) return undefined;
  const end = trimmedEnd(file.text, map.range[0], map.range[1]);
  if (map.flow) {
    if (file.text[end - 1] !== '}') return undefined;
    return edit(file, end - 1, end - 1, `${map.items.length ? ', ' : ''}${key}: {}`);
  }
  const first = (map.items[0]?.key as Node | null)?.range;
  if (!first) return undefined;
  const indent = first[0] - lineStart(file.text, first[0]);
  const at = nextLineStart(file.text, end);
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  const before = at === file.text.length && !file.text.endsWith('\n') ? eol : '';
  return edit(file, at, at, `${before}${' '.repeat(indent)}${key}: {}${eol}`);
}
