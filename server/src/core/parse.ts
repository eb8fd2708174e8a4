/**
 * Parses a deployment file into the model. Never throws: every failure becomes a problem
 * with a stable code at the range it concerns.
 */
import { displayText } from './names';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Node,
  type Pair,
  type Document,
} from 'yaml';
import type {
  AllowedFrom,
  Approvers,
  Component,
  DependencyRef,
  Deployment,
  DeploymentFile,
  NameNode,
  Pos,
  Promotion,
  SourceRange,
  SourceRef,
  Target,
} from './model';
import { problem, type Problem } from './problem';
import { positionFinder, rangeOf } from './text';
import { DEFAULT_LIMITS, type ParseLimits } from './limits';
import { syntaxReport } from './syntax-errors';

export const COMPONENT_TYPES = ['terraform', 'helmfile', 'nixpack'] as const;

/** True when the text looks like a deployment file without parsing it (cheap, for discovery). */
export function looksLikeDeployment(text: string): boolean {
  return /^(?:\uFEFF)?deployment[ \t]*:/m.test(text.slice(0, 64 * 1024));
}

export function parseDeploymentFile(
  text: string,
  file: string,
  limits: ParseLimits = DEFAULT_LIMITS,
): DeploymentFile {
  const positionAt = positionFinder(text);
  const base = { file, text, positionAt, problems: [] as Problem[] };
  if (text.length > limits.maxFileSize) {
    const isDeployment = looksLikeDeployment(text);
    if (isDeployment) {
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      base.problems.push(
        problem(
          'yaml-syntax',
          file,
          rangeOf(positionAt, 0, firstLineEnd(text)),
          `File is ${mb(text.length)} MB, above the ${mb(limits.maxFileSize)} MB limit, so it was not checked. Split it, or raise the limit (CLI --max-file-size, setting atmosDeployments.maxFileSize).`,
        ),
      );
    }
    return { ...base, isDeployment };
  }

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, keepSourceTokens: false });
  } catch (err) {
    // The yaml package does not throw on bad input, but a bug there must not take a server down.
    base.problems.push(
      problem(
        'yaml-syntax',
        file,
        rangeOf(positionAt, 0, 0),
        `YAML could not be read: ${displayText(String(err))}`,
      ),
    );
    return { ...base, isDeployment: looksLikeDeployment(text) };
  }

  const syntax = syntaxReport(doc, text, (err) =>
    err.code === 'MULTIPLE_DOCS'
      ? 'A deployment file holds one YAML document; the documents after this `---` are ignored. Move them to their own files.'
      : cleanYamlMessage(err.message),
  );
  for (const f of syntax.findings)
    base.problems.push(
      problem('yaml-syntax', file, rangeOf(positionAt, f.start, f.end), f.message),
    );
  const broken = { brokenFrom: syntax.brokenFrom };

  const root = doc.contents;
  const deploymentPair = isMap(root)
    ? root.items.find((p) => scalarString(p.key) === 'deployment')
    : undefined;
  if (!deploymentPair) return { ...base, ...broken, doc, isDeployment: false };

  const shape = shapeExceeds(root as Node, limits);
  if (shape !== undefined) {
    base.problems.push(
      problem(
        'yaml-syntax',
        file,
        rangeOf(positionAt, shape.at, shape.at + 1),
        shape.why === 'depth'
          ? `Nesting is deeper than ${limits.maxDepth} levels here; a deployment file never needs that. Flatten it, or raise the limit (CLI --max-depth, setting atmosDeployments.maxDepth).`
          : `The file has more than ${limits.maxNodes} YAML nodes (counted up to here), so it was not checked. Split it, or raise the limit (CLI --max-nodes, setting atmosDeployments.maxNodes).`,
      ),
    );
    return { ...base, ...broken, doc, isDeployment: true };
  }

  // An alias to a missing anchor is already reported where it is; turning the document into
  // data would only fail on it again, so the schema check is skipped and the model still read.
  let value: unknown;
  if (!syntax.unresolvedAlias)
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      // yaml throws here when aliases expand too far (a "billion laughs" document).
      const msg = String((err as Error)?.message ?? err);
      const why = /alias/i.test(msg)
        ? `Aliases expand to more than ${limits.maxAliasCount} nodes here, so the file was not checked. Replace the aliases with plain values, or raise the limit (CLI --max-alias-count, setting atmosDeployments.maxAliasCount).`
        : `The YAML could not be read as data: ${msg}`;
      base.problems.push(
        problem('yaml-syntax', file, rangeOf(positionAt, 0, firstLineEnd(text)), why),
      );
      return { ...base, ...broken, doc, isDeployment: true };
    }

  const reader = new ModelReader(positionAt, doc, limits.maxAliasCount);
  const deployment = reader.deployment(deploymentPair);
  return { ...base, ...broken, doc, value, isDeployment: true, deployment };
}

/** End of the first line, before its \r\n, \r or \n (a range there must not end past the line). */
function firstLineEnd(text: string): number {
  const m = /[\r\n]/.exec(text);
  return m ? m.index : text.length;
}

function cleanYamlMessage(message: string): string {
  // yaml appends " at line N, column M" and a code excerpt; the range already says where. What
  // is left may quote the file (an alias name), so its hidden characters are escaped.
  return displayText(message)
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

export function scalarString(node: unknown): string | undefined {
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return undefined;
    return typeof v === 'string' ? v : String(v);
  }
  return undefined;
}

/** Where the tree first goes deeper than `maxDepth` or past `maxNodes` nodes, if it does. */
function shapeExceeds(
  node: Node,
  limits: ParseLimits,
): { at: number; why: 'depth' | 'nodes' } | undefined {
  const stack: Array<[unknown, number]> = [[node, 0]];
  let count = 0;
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (n === null || n === undefined) continue;
    if (++count > limits.maxNodes) return { at: (n as Node).range?.[0] ?? 0, why: 'nodes' };
    if (isMap(n) || isSeq(n)) {
      if (d > limits.maxDepth) return { at: n.range?.[0] ?? 0, why: 'depth' };
      for (const item of n.items as unknown[]) {
        if (isPair(item)) {
          stack.push([item.value, d + 1]);
          stack.push([item.key, d + 1]);
        } else stack.push([item, d + 1]);
      }
    }
  }
  return undefined;
}

class ModelReader {
  constructor(
    private readonly positionAt: (o: number) => Pos,
    private readonly doc: Document.Parsed,
    private readonly maxAliasCount: number,
  ) {}

  /**
   * A mapping as plain data (`vars`, `context`), or `{}` for anything else. The whole document
   * already turned into data within the alias limit, so a part of it does too; the catch only
   * keeps a parser surprise from escaping, since parsing never throws.
   */
  plain(node: unknown): Record<string, unknown> {
    const n = this.resolve(node);
    if (!isMap(n)) return {};
    try {
      const v: unknown = n.toJS(this.doc, { maxAliasCount: this.maxAliasCount });
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  range(node: unknown, fallback?: SourceRange): SourceRange {
    const r = (node as Node | null)?.range;
    if (r) return rangeOf(this.positionAt, r[0], r[1]);
    return fallback ?? rangeOf(this.positionAt, 0, 0);
  }

  pairRange(pair: Pair): SourceRange {
    const k = (pair.key as Node | null)?.range;
    const v = (pair.value as Node | null)?.range;
    const start = k?.[0] ?? 0;
    const end = v?.[1] ?? k?.[1] ?? start;
    return rangeOf(this.positionAt, start, end);
  }

  /** Follows an alias to its anchor, one hop: the model never expands alias trees. */
  resolve(node: unknown): unknown {
    if (isAlias(node)) {
      try {
        return node.resolve(this.doc);
      } catch {
        return undefined;
      }
    }
    return node;
  }

  pairs(node: unknown): Pair[] {
    const n = this.resolve(node);
    return isMap(n) ? (n.items as Pair[]) : [];
  }

  get(node: unknown, key: string): Pair | undefined {
    return this.pairs(node).find((p) => scalarString(p.key) === key);
  }

  nameNode(node: unknown): NameNode | undefined {
    const value = scalarString(this.resolve(node));
    if (value === undefined) return undefined;
    return { value, range: this.range(node) };
  }

  deployment(pair: Pair): Deployment {
    const body = pair.value;
    const namePair = this.get(body, 'name');
    const targetsPair = this.get(body, 'targets');
    const descriptionPair = this.get(body, 'description');
    return {
      keyRange: this.range(pair.key),
      name: namePair ? this.nameNode(namePair.value) : undefined,
      description: descriptionPair ? scalarString(this.resolve(descriptionPair.value)) : undefined,
      targetsKeyRange: targetsPair ? this.range(targetsPair.key) : undefined,
      targets: targetsPair
        ? this.pairs(targetsPair.value)
            .map((p) => this.target(p))
            .filter((t): t is Target => !!t)
        : [],
      components: this.components(this.get(body, 'components')?.value),
      stacks: this.strings(this.get(body, 'stacks')?.value).map((n) => n.value),
    };
  }

  /** The string entries of a list, with their ranges and indexes; nothing for a non-list. */
  strings(node: unknown): Array<NameNode & { index: number }> {
    const n = this.resolve(node);
    if (!isSeq(n)) return [];
    const out: Array<NameNode & { index: number }> = [];
    n.items.forEach((item, index) => {
      const v = this.resolve(item);
      if (isScalar(v) && typeof v.value === 'string')
        out.push({ value: v.value, range: this.range(item), index });
    });
    return out;
  }

  dependsOn(settings: unknown): DependencyRef[] {
    const list = this.get(this.get(settings, 'metadata')?.value, 'depends_on')?.value;
    return this.strings(list).map((entry) => {
      const slash = entry.value.indexOf('/');
      const type = slash > 0 ? entry.value.slice(0, slash) : undefined;
      return (COMPONENT_TYPES as readonly string[]).includes(type ?? '')
        ? { ...entry, type, name: entry.value.slice(slash + 1) }
        : entry;
    });
  }

  components(node: unknown): Component[] {
    const out: Component[] = [];
    for (const typePair of this.pairs(node)) {
      const type = scalarString(typePair.key);
      if (!type) continue;
      for (const c of this.pairs(typePair.value)) {
        const name = scalarString(c.key);
        if (name !== undefined)
          out.push({
            name,
            type,
            keyRange: this.range(c.key),
            dependsOn: this.dependsOn(c.value),
            vars: this.plain(this.get(c.value, 'vars')?.value),
          });
      }
    }
    return out;
  }

  target(pair: Pair): Target | undefined {
    const name = scalarString(pair.key);
    if (name === undefined) return undefined;
    const labels: Record<string, string> = {};
    for (const l of this.pairs(this.get(pair.value, 'labels')?.value)) {
      const k = scalarString(l.key);
      const v = scalarString(this.resolve(l.value));
      if (k !== undefined && v !== undefined) labels[k] = v;
    }
    const promotionPair = this.get(pair.value, 'promotion');
    return {
      name,
      keyRange: this.range(pair.key),
      range: this.pairRange(pair),
      labels,
      context: this.plain(this.get(pair.value, 'context')?.value),
      vars: this.plain(this.get(pair.value, 'vars')?.value),
      promotion: promotionPair ? this.promotion(promotionPair) : undefined,
    };
  }

  promotion(pair: Pair): Promotion {
    const keyRange = this.range(pair.key);
    const fromPair = this.get(pair.value, 'from');
    const allowedPair = this.get(pair.value, 'allowed_from');
    const approvalPair = this.get(pair.value, 'requires_approval');
    const fromName = fromPair ? this.nameNode(fromPair.value) : undefined;
    const approval = approvalPair ? this.resolve(approvalPair.value) : undefined;
    const methodPair = this.get(pair.value, 'approval_method');
    const method = methodPair ? this.resolve(methodPair.value) : undefined;
    const minPair = this.get(pair.value, 'min_approvals');
    const min = minPair ? this.resolve(minPair.value) : undefined;
    const approversPair = this.get(pair.value, 'approvers');
    return {
      keyRange,
      range: this.range(pair.value, keyRange),
      from: fromName ? { ...fromName, kind: 'from', index: 0 } : undefined,
      fromKeyRange: fromPair ? this.range(fromPair.key) : undefined,
      allowedFrom: allowedPair ? this.allowedFrom(allowedPair) : undefined,
      requiresApproval: isScalar(approval) && approval.value === true,
      requiresApprovalRange: approvalPair
        ? this.range(approvalPair.value ?? approvalPair.key)
        : undefined,
      approvalMethod: isScalar(method) && method.value === 'review' ? 'review' : 'manual',
      approvalMethodRange: methodPair ? this.range(methodPair.value ?? methodPair.key) : undefined,
      approvers: approversPair ? this.approvers(approversPair) : undefined,
      minApprovals:
        minPair && isScalar(min) && typeof min.value === 'number' && Number.isInteger(min.value)
          ? { value: min.value, range: this.range(minPair.value ?? minPair.key) }
          : undefined,
    };
  }

  approvers(pair: Pair): Approvers | undefined {
    const keyRange = this.range(pair.key);
    const value = this.resolve(pair.value);
    // Anything but a list is the schema rule's to report; here it simply names nobody.
    if (!isSeq(value)) return undefined;
    const items: NameNode[] = [];
    for (const item of value.items) {
      const n = this.nameNode(item);
      if (n) items.push(n);
    }
    return { keyRange, range: this.range(pair.value, keyRange), items };
  }

  allowedFrom(pair: Pair): AllowedFrom {
    const keyRange = this.range(pair.key);
    const value = this.resolve(pair.value);
    const items: SourceRef[] = [];
    if (isSeq(value)) {
      value.items.forEach((item, index) => {
        const n = this.nameNode(item);
        if (n) items.push({ ...n, kind: 'allowed_from', index });
      });
    }
    return {
      keyRange,
      range: this.range(pair.value, keyRange),
      isList: isSeq(value),
      items,
      entries: isSeq(value) ? value.items.length : 0,
    };
  }
}
