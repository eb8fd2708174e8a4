/**
 * Reads the deployment model from a yaml Document: every node with the source range it came
 * from. Shared by the full parse and the incremental re-parse of one target, so both build a
 * target the same way.
 */
import type { Document, Node, Pair } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from './yaml-api';
import type {
  AllowedFrom,
  Approvers,
  Component,
  DependencyRef,
  Deployment,
  NameNode,
  Pos,
  Promotion,
  SourceRange,
  SourceRef,
  Target,
} from './model';
import { scalarString } from './scalar';
import { NOT_PLAIN, plainData, plainSchema } from './plain-data';
import { rangeOf } from './text';

export const COMPONENT_TYPES = ['terraform', 'helmfile', 'nixpack'] as const;

/** The keys the model reads from a target, and from its `promotion:`. */
const TARGET_KEYS = ['labels', 'promotion', 'context', 'vars'] as const;
const PROMOTION_KEYS = [
  'from',
  'allowed_from',
  'requires_approval',
  'approval_method',
  'min_approvals',
  'approvers',
] as const;

export class ModelReader {
  /** Whether `plainData` reads this document's mappings as `toJS` would. */
  private readonly plainSchema: boolean;

  constructor(
    private readonly positionAt: (o: number) => Pos,
    private readonly doc: Document.Parsed,
    private readonly maxAliasCount: number,
  ) {
    this.plainSchema = plainSchema(doc);
  }

  /**
   * A mapping as plain data (`vars`, `context`), or `{}` for anything else. The whole document
   * already turned into data within the alias limit, so a part of it does too; the catch only
   * keeps a parser surprise from escaping, since parsing never throws.
   */
  plain(node: unknown): Record<string, unknown> {
    const n = this.resolve(node);
    if (!isMap(n)) return {};
    try {
      const plain = this.plainSchema ? plainData(n) : NOT_PLAIN;
      const v: unknown =
        plain !== NOT_PLAIN ? plain : n.toJS(this.doc, { maxAliasCount: this.maxAliasCount });
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
    // A loop, not find with a closure: this runs a dozen times per target of every file.
    for (const p of this.pairs(node)) if (scalarString(p.key) === key) return p;
    return undefined;
  }

  /**
   * The first pair of each of `keys` in a mapping, as `get` finds it, in one pass over the
   * pairs: a target and its promotion look up four and six keys, and a pass per key was a good
   * part of reading the model of every file.
   */
  firsts<K extends string>(node: unknown, keys: readonly K[]): Partial<Record<K, Pair>> {
    const out: Partial<Record<K, Pair>> = {};
    for (const p of this.pairs(node)) {
      const k = scalarString(p.key) as K | undefined;
      if (k !== undefined && keys.includes(k) && out[k] === undefined) out[k] = p;
    }
    return out;
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
    const found = this.firsts(pair.value, TARGET_KEYS);
    const labels: Record<string, string> = {};
    for (const l of this.pairs(found.labels?.value)) {
      const k = scalarString(l.key);
      const v = scalarString(this.resolve(l.value));
      if (k !== undefined && v !== undefined) labels[k] = v;
    }
    const promotionPair = found.promotion;
    return {
      name,
      keyRange: this.range(pair.key),
      range: this.pairRange(pair),
      labels,
      context: this.plain(found.context?.value),
      vars: this.plain(found.vars?.value),
      promotion: promotionPair ? this.promotion(promotionPair) : undefined,
    };
  }

  promotion(pair: Pair): Promotion {
    const keyRange = this.range(pair.key);
    const found = this.firsts(pair.value, PROMOTION_KEYS);
    const fromPair = found.from;
    const allowedPair = found.allowed_from;
    const approvalPair = found.requires_approval;
    const fromName = fromPair ? this.nameNode(fromPair.value) : undefined;
    const approval = approvalPair ? this.resolve(approvalPair.value) : undefined;
    const methodPair = found.approval_method;
    const method = methodPair ? this.resolve(methodPair.value) : undefined;
    const minPair = found.min_approvals;
    const min = minPair ? this.resolve(minPair.value) : undefined;
    const approversPair = found.approvers;
    return {
      keyRange,
      range: this.range(pair.value, keyRange),
      from: fromName
        ? { value: fromName.value, range: fromName.range, kind: 'from', index: 0 }
        : undefined,
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
