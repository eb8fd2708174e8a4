/**
 * Incremental re-parse of an edit inside one target (issue 18, "big files stay instant").
 *
 * A keystroke in a file of thousands of targets changes one target's block, yet a full parse
 * through `yaml` costs hundreds of milliseconds there. When the changed text lies inside the
 * body of one target of a block `targets:` mapping, only that target's lines are parsed, and the
 * result is spliced into the previous parse: into its yaml Document (which quick fixes, symbols,
 * folding and the duplicate-key rule read), into the model and into the plain-data value the
 * schema check reads, with every position after the edit moved by the edit's length in offsets
 * and lines (the edit ends at a line start, so columns after it do not change).
 *
 * Correctness comes first: whenever the edit is not certainly local, `reparseEdit` returns
 * undefined and the caller parses the whole text. The test in test/hardening/incremental-fuzz.ts
 * requires the spliced result to equal a full parse of the same text after random edits.
 */
import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { Deployment, DeploymentFile, Pos, SourceRange, Target } from './model';
import type { ParseLimits } from './limits';
import { DEFAULT_LIMITS } from './limits';
import { ModelReader } from './model-reader';
import { parseDeploymentFile, shapeOf } from './parse';
import { parseStateOf, rememberParse } from './parse-state';
import { scalarString } from './scalar';
import { lineStarts, positionFinderFrom } from './text';

/**
 * The parse of `text`, spliced from `previous` when the edit between them is safely local and
 * a full parse otherwise. `previous` must not be used afterwards: its Document may be reused.
 */
export function updateDeploymentFile(
  previous: DeploymentFile | undefined,
  text: string,
  file: string,
  limits: ParseLimits = DEFAULT_LIMITS,
): DeploymentFile {
  const spliced =
    previous && previous.file === file ? reparseEdit(previous, text, limits) : undefined;
  return spliced ?? parseDeploymentFile(text, file, limits);
}

/**
 * The parse of `text` spliced from `previous`, or undefined when the edit is not safely inside
 * one target. On success `previous` gives up its Document and value to the result (or, for the
 * same text, is the result).
 */
export function reparseEdit(
  previous: DeploymentFile,
  text: string,
  limits: ParseLimits = DEFAULT_LIMITS,
): DeploymentFile | undefined {
  try {
    return splice(previous, text, limits);
  } catch {
    // Parsing never throws. A surprise here happens before anything is changed in the
    // previous parse or after it gave its Document up; either way the full parse is right.
    previous.doc = undefined;
    previous.value = undefined;
    return undefined;
  }
}

/** The key that stands in for the next target when a target's lines are parsed alone. */
const STAND_IN = 'next-target';

const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false, keepSourceTokens: false } as const;

function sameLimits(a: ParseLimits, b: ParseLimits): boolean {
  return (
    a.maxFileSize === b.maxFileSize &&
    a.maxAliasCount === b.maxAliasCount &&
    a.maxDepth === b.maxDepth &&
    a.maxNodes === b.maxNodes
  );
}

/** The only pair of a mapping whose key reads `name`, or undefined when none or several do. */
function onlyPair(map: YAMLMap, name: string): Pair | undefined {
  let found: Pair | undefined;
  for (const p of map.items as Pair[]) {
    if (scalarString(p.key) !== name) continue;
    if (found) return undefined;
    found = p;
  }
  return found;
}

/** Index of the line holding `offset`. */
function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whether a target's lines (its key line first) are a block of their own: every later line is
 * blank or indented more than the key, none is a comment at the end (yaml may give such a
 * comment to the next key), and whether the block ends in a blank line (the next key's
 * `spaceBefore`).
 */
function blockShape(block: string, indent: number): { endsBlank: boolean } | undefined {
  const lines = block.split('\n');
  let lastContent = 0;
  for (let j = 1; j < lines.length; j++) {
    const line = lines[j];
    if (/^[ \t]*\r?$/.test(line)) continue;
    let ind = 0;
    while (line.charCodeAt(ind) === 32) ind++;
    if (ind <= indent) return undefined;
    lastContent = j;
  }
  if (lastContent > 0 && /^\s*#/.test(lines[lastContent])) return undefined;
  // The text after the last line break is empty (the block ends at a line start), so a blank
  // line at the end is one blank line before the last line break.
  return { endsBlank: lastContent < lines.length - 2 };
}

function splice(
  previous: DeploymentFile,
  text: string,
  limits: ParseLimits,
): DeploymentFile | undefined {
  const state = parseStateOf(previous);
  const { doc, value, deployment } = previous;
  if (!state || !doc || value === undefined || !deployment) return undefined;
  if (previous.problems.length || previous.brokenFrom !== undefined) return undefined;
  if (!sameLimits(state.limits, limits) || text.length > limits.maxFileSize) return undefined;
  // A %YAML or %TAG directive changes how scalars and tags read; a target parsed alone would
  // not see it.
  if (doc.directives?.yaml?.explicit || Object.keys(doc.directives?.tags ?? {}).length !== 1)
    return undefined;
  if (doc.errors.length || doc.warnings.length) return undefined;
  // The same text again (a request re-read the buffer before its validation ran): the parse of
  // a text under the same limits is the same parse.
  if (text === previous.text) return previous;

  // The edit: everything before the first and after the last differing character is shared.
  const old = previous.text;
  const min = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < min && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < min - prefix &&
    old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)
  )
    suffix++;
  const editEnd = old.length - suffix;
  const delta = text.length - old.length;

  // The block `targets:` mapping of the one `deployment:` and its one `targets:` key.
  const root = doc.contents;
  if (!isMap(root) || root.flow) return undefined;
  const deploymentPair = onlyPair(root, 'deployment');
  if (!deploymentPair || !isMap(deploymentPair.value) || deploymentPair.value.flow)
    return undefined;
  const targetsPair = onlyPair(deploymentPair.value, 'targets');
  const targets = targetsPair?.value;
  if (!isMap(targets) || targets.flow) return undefined;
  const items = targets.items as Pair[];

  // The target whose key starts last at or before the edit; the last target is never spliced,
  // so the next key always closes the block.
  let lo = 0;
  let hi = items.length - 1;
  let index = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = (items[mid].key as Node | null)?.range;
    if (!r) return undefined;
    if (r[0] <= prefix) {
      index = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (index < 0 || index + 1 >= items.length) return undefined;
  const pair = items[index];
  const key = pair.key;
  const nextKey = items[index + 1].key;
  if (!isScalar(key) || typeof key.value !== 'string' || !key.range) return undefined;
  if (!isScalar(nextKey) || !nextKey.range) return undefined;
  const name = key.value;
  if (name === '__proto__') return undefined;
  // The plain-data value keeps one entry per name (the last); a repeated name is parsed in full.
  if (items.filter((p) => scalarString(p.key) === name).length !== 1) return undefined;

  const starts = state.lineStarts;
  const keyLine = lineOf(starts, key.range[0]);
  const keyLineStart = starts[keyLine];
  const indent = key.range[0] - keyLineStart;
  if (!/^ *$/.test(old.slice(keyLineStart, key.range[0]))) return undefined;
  const nextLine = lineOf(starts, nextKey.range[0]);
  const oldBlockEnd = starts[nextLine];
  if (nextKey.range[0] - oldBlockEnd !== indent) return undefined;
  if (!/^ *$/.test(old.slice(oldBlockEnd, nextKey.range[0]))) return undefined;
  // The key itself and everything before it stay as they were; so does everything from the
  // next key's line on.
  if (prefix < key.range[1] || editEnd > oldBlockEnd) return undefined;

  const newBlockEnd = oldBlockEnd + delta;
  if (text.charCodeAt(newBlockEnd - 1) !== 10) return undefined;
  const oldBlock = old.slice(keyLineStart, oldBlockEnd);
  const block = text.slice(keyLineStart, newBlockEnd);
  // Anchors and aliases reach across targets; a lone \r is a line break to the line counter.
  if (/[&*]|\r(?!\n)/.test(block) || /[&*]/.test(oldBlock)) return undefined;
  const oldShape = blockShape(oldBlock, indent);
  const newShape = blockShape(block, indent);
  if (!oldShape || !newShape || oldShape.endsBlank !== newShape.endsBlank) return undefined;

  // The block is parsed with a stand-in for the next key after it, so that yaml ends its nodes
  // as it does in the whole file, where the next key follows (a node's end takes in the blank
  // lines and indentation before that key, a block scalar's does not).
  const standIn = `${' '.repeat(indent)}${STAND_IN}:`;
  const part = parseDocument(block + standIn, PARSE_OPTIONS);
  if (part.errors.length || part.warnings.length || part.commentBefore || part.comment)
    return undefined;
  const partRoot = part.contents;
  if (!isMap(partRoot) || partRoot.items.length !== 2 || partRoot.comment) return undefined;
  const newPair = partRoot.items[0] as Pair;
  const newKey = newPair.key;
  if (!isScalar(newKey) || newKey.value !== name || newKey.type !== key.type) return undefined;
  if (newKey.range?.[0] !== indent) return undefined;
  const standInKey = (partRoot.items[1] as Pair).key;
  if (!isScalar(standInKey) || standInKey.value !== STAND_IN) return undefined;
  if (standInKey.range?.[0] !== block.length + indent || standInKey.commentBefore) return undefined;
  if (!!standInKey.spaceBefore !== !!nextKey.spaceBefore) return undefined;

  // The node limits, counted as the full parse counts them: a target's key and value sit at
  // depth 3 (document, deployment, targets).
  const oldCount = shapeOf(key, limits, 3).count + shapeOf(pair.value as Node, limits, 3).count;
  const base = state.nodeCount - oldCount;
  const keyShape = shapeOf(newKey, limits, 3, base);
  if (keyShape.exceeded) return undefined;
  const valueShape = shapeOf(newPair.value as Node, limits, 3, base + keyShape.count);
  if (valueShape.exceeded) return undefined;

  // As the whole document's value holds it: an empty value is null.
  const newTargetValue: unknown = isNode(newPair.value)
    ? newPair.value.toJS(part, { maxAliasCount: limits.maxAliasCount })
    : null;
  const targetsValue = (value as { deployment?: { targets?: unknown } })?.deployment?.targets;
  if (!targetsValue || typeof targetsValue !== 'object' || Array.isArray(targetsValue))
    return undefined;
  if (!Object.prototype.hasOwnProperty.call(targetsValue, name)) return undefined;

  const modelIndex = deployment.targets.findIndex((t) => t.keyRange.start.offset === key.range![0]);
  if (modelIndex < 0) return undefined;

  // Line starts: those before the target, the target's own, the rest moved by the edit.
  const partStarts = lineStarts(block);
  const newStarts = starts.slice(0, keyLine);
  for (let j = 0; j < partStarts.length - 1; j++) newStarts.push(partStarts[j] + keyLineStart);
  for (let j = nextLine; j < starts.length; j++) newStarts.push(starts[j] + delta);
  const lineDelta = partStarts.length - 1 - (nextLine - keyLine);
  const positionAt = positionFinderFrom(text, newStarts);

  // The new target's nodes move from the block to where the block starts in the file.
  moveNodes(newPair, keyLineStart);
  // Comments and blank lines above the key line belong to the key and were not re-read.
  for (const prop of ['commentBefore', 'spaceBefore'] as const) {
    if (key[prop] === undefined) delete newKey[prop];
    else (newKey as unknown as Record<string, unknown>)[prop] = key[prop];
  }

  const reader = new ModelReader(positionAt, doc, limits.maxAliasCount);
  const newTarget = reader.target(newPair);
  if (!newTarget) return undefined;

  // From here on the previous parse is changed in place and handed over.
  previous.doc = undefined;
  previous.value = undefined;
  items[index] = newPair;
  shiftDocument(doc, oldBlockEnd, delta, newPair);
  (targetsValue as Record<string, unknown>)[name] = newTargetValue;
  const shift = positionShifter(oldBlockEnd, delta, lineDelta);
  const targetList = deployment.targets.slice();
  targetList[modelIndex] = newTarget;
  for (let j = modelIndex + 1; j < targetList.length; j++) shiftTarget(targetList[j], shift);
  const next: Deployment = { ...deployment, targets: targetList };
  shiftDeployment(next, shift);

  const parsed: DeploymentFile = {
    file: previous.file,
    text,
    positionAt,
    problems: [],
    brokenFrom: undefined,
    doc,
    value,
    isDeployment: true,
    deployment: next,
  };
  rememberParse(parsed, {
    lineStarts: newStarts,
    nodeCount: base + keyShape.count + valueShape.count,
    limits,
  });
  return parsed;
}

/** Every node under a pair, its range offsets moved by `by`. */
function moveNodes(pair: Pair, by: number): void {
  const stack: unknown[] = [pair.key, pair.value];
  while (stack.length) {
    const n = stack.pop();
    if (isPair(n)) {
      stack.push(n.key, n.value);
      continue;
    }
    if (!isNode(n)) continue;
    const r = n.range;
    if (r) {
      r[0] += by;
      r[1] += by;
      r[2] += by;
    }
    if (isMap(n) || isSeq(n)) for (const item of n.items as unknown[]) stack.push(item);
  }
}

/**
 * Moves every range offset at or after `from` by `delta`, in the whole Document but the new
 * pair. A node that ends before `from` holds nothing that moves, so it is not entered: the
 * targets before the edit cost one look each.
 */
function shiftDocument(
  doc: NonNullable<DeploymentFile['doc']>,
  from: number,
  delta: number,
  skip: Pair,
): void {
  const at = (x: number) => (x >= from ? x + delta : x);
  if (doc.range) doc.range = [at(doc.range[0]), at(doc.range[1]), at(doc.range[2])];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (isPair(n)) {
      if (n !== skip) stack.push(n.key, n.value);
      continue;
    }
    if (!isNode(n)) continue;
    const r = n.range;
    if (r) {
      if (r[2] < from) continue;
      r[0] = at(r[0]);
      r[1] = at(r[1]);
      r[2] = at(r[2]);
    }
    if (isMap(n) || isSeq(n)) for (const item of n.items as unknown[]) stack.push(item);
  }
}

type Shift = (range: SourceRange | undefined) => void;

/**
 * Moves a model range when it lies at or after `from`. Each position is its own object (the
 * parser builds each range afresh); a range object shared by two fields (a value range that
 * falls back to its key's) is moved once, by the callers below comparing the two.
 */
function positionShifter(from: number, delta: number, lineDelta: number): Shift {
  const move = (p: Pos) => {
    if (p.offset < from) return;
    p.offset += delta;
    p.line += lineDelta;
  };
  return (range) => {
    if (!range) return;
    move(range.start);
    if (range.end !== range.start) move(range.end);
  };
}

function shiftTarget(t: Target, shift: Shift): void {
  shift(t.keyRange);
  shift(t.range);
  const p = t.promotion;
  if (!p) return;
  shift(p.keyRange);
  if (p.range !== p.keyRange) shift(p.range);
  if (p.from) shift(p.from.range);
  shift(p.fromKeyRange);
  if (p.allowedFrom) {
    shift(p.allowedFrom.keyRange);
    if (p.allowedFrom.range !== p.allowedFrom.keyRange) shift(p.allowedFrom.range);
    for (const item of p.allowedFrom.items) shift(item.range);
  }
  shift(p.requiresApprovalRange);
  shift(p.approvalMethodRange);
  if (p.approvers) {
    shift(p.approvers.keyRange);
    if (p.approvers.range !== p.approvers.keyRange) shift(p.approvers.range);
    for (const item of p.approvers.items) shift(item.range);
  }
  shift(p.minApprovals?.range);
}

/** The ranges outside `targets:` (components and the name may follow the targets). */
function shiftDeployment(d: Deployment, shift: Shift): void {
  shift(d.keyRange);
  shift(d.name?.range);
  shift(d.targetsKeyRange);
  for (const c of d.components) {
    shift(c.keyRange);
    for (const dep of c.dependsOn) shift(dep.range);
  }
}
