/**
 * Schema validation with ajv, compiled once. Errors are located on the YAML nodes they
 * concern, so `schema` and `unknown-key` problems point at the key or value to change.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Node, Pair } from 'yaml';
import { isMap, isPair, isScalar } from './yaml-api';
import schemaJson from '../../../schemas/deployment.schema.json';
import { validate as precompiled } from './schema-validator.generated';
import { nearestName } from './distance';
import type { DeploymentFile, SourceRange } from './model';
import { displayName } from './names';
import { scalarString } from './parse';
import {
  PROMOTION_KEYS,
  isPromotionKey,
  misplacedPromotionKeys,
  targetConsequence,
} from './promotion-keys';
import { findTarget } from './model';
import { rangeOf } from './text';

export const deploymentSchema = schemaJson as Record<string, unknown>;

/**
 * The schema compiled at build time by ajv's standalone generator (same options as before:
 * allErrors, verbose, non-strict), so no process compiles it at start-up.
 */
function validator(): ValidateFunction {
  return precompiled;
}

export interface SchemaFinding {
  kind: 'unknown-key' | 'schema';
  range: SourceRange;
  message: string;
  data?: Record<string, string>;
}

const memo = new WeakMap<DeploymentFile, SchemaFinding[]>();

/** Schema and unknown-key problems reported per file at most. */
const MAX_FINDINGS = 500;

/** Schema findings for a file, computed once and shared by the schema and unknown-key rules. */
export function schemaFindings(file: DeploymentFile): SchemaFinding[] {
  const cached = memo.get(file);
  if (cached) return cached;
  const findings: SchemaFinding[] = [];
  if (file.doc && file.value !== undefined) {
    // A promotion key out of place gets its own error, which says what it fails to do; the
    // schema's finding on the same key or value (unknown key, a target that is not a mapping)
    // would only say the same thing less clearly.
    const misplaced = misplacedPromotionKeys(file);
    const taken = new Set<number>();
    for (const m of misplaced) {
      findings.push({
        kind: 'schema',
        range: m.range,
        message: m.message,
        data: m.data ? { ...m.data, fix: 'move-to-promotion' } : { key: m.key },
      });
      taken.add(m.keyOffset);
      if (m.valueOffset !== undefined) taken.add(m.valueOffset);
    }
    const validate = validator();
    if (!validate(file.value)) {
      const seen = new Set<string>();
      // Locating an error walks its mapping, so thousands of errors would be quadratic.
      for (const err of (validate.errors ?? []).slice(0, MAX_FINDINGS)) {
        const f = toFinding(file, err);
        if (!f || taken.has(f.range.start.offset)) continue;
        const key = `${f.kind}:${f.range.start.offset}:${f.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(f);
      }
    }
  }
  memo.set(file, findings);
  return findings;
}

function segments(instancePath: string): string[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Finds the pair whose value sits at `path`, walking the YAML tree (no alias expansion). */
function locate(file: DeploymentFile, path: string[]): { pair?: Pair; node?: Node } {
  let node: unknown = file.doc?.contents;
  let pair: Pair | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      pair = node.items.find((p) => scalarString(p.key) === seg) as Pair | undefined;
      node = pair?.value;
    } else if (node && typeof node === 'object' && 'items' in node) {
      const item = (node as { items: unknown[] }).items[Number(seg)];
      pair = undefined;
      node = isPair(item) ? item.value : item;
    } else return { pair };
  }
  return { pair, node: (node ?? undefined) as Node | undefined };
}

function nodeRange(file: DeploymentFile, n: unknown): SourceRange | undefined {
  const r = (n as Node | null | undefined)?.range;
  return r ? rangeOf(file.positionAt, r[0], r[1]) : undefined;
}

function where(path: string[]): string {
  if (path.length === 0) return 'the top level';
  if (path[0] === 'deployment' && path[1] === 'targets' && path.length >= 3) {
    const rest = path.slice(3);
    return `target '${displayName(path[2])}'${rest.length ? ` (${rest.map(displayName).join('.')})` : ''}`;
  }
  return path.map(displayName).join('.');
}

function toFinding(file: DeploymentFile, err: ErrorObject): SchemaFinding | undefined {
  const path = segments(err.instancePath);
  const { pair, node } = locate(file, path);
  const valueRange = nodeRange(file, node) ?? nodeRange(file, pair?.key);
  const keyRange = nodeRange(file, pair?.key) ?? valueRange ?? rangeOf(file.positionAt, 0, 0);
  const last = path[path.length - 1];
  switch (err.keyword) {
    case 'additionalProperties': {
      const extra = String((err.params as { additionalProperty: string }).additionalProperty);
      // The mapping that holds the extra key is the node at the error's path, found above.
      const parent = node;
      const extraPair = isMap(parent)
        ? (parent.items.find((p) => scalarString(p.key) === extra) as Pair | undefined)
        : undefined;
      const known = Object.keys(
        (err.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      if (extra === '<<')
        // Atmos honours merge keys but this parser does not, so a promotion rule or approval
        // brought in by one would be enforced there and silently dropped here: an error.
        return {
          kind: 'schema',
          range: nodeRange(file, extraPair?.key) ?? keyRange,
          message: `Merge keys ('<<: *anchor') are not supported in ${where(path)}: the keys they bring in (a promotion rule, an approval) would be ignored here. Write the keys out.`,
          data: { key: extra },
        };
      const guess = nearestName(extra, known);
      const range = nodeRange(file, extraPair?.key) ?? keyRange;
      const inTargets = path[0] === 'deployment' && path[1] === 'targets';
      const targetName = inTargets ? path[2] : undefined;
      const target =
        targetName !== undefined && file.deployment
          ? findTarget(file.deployment, targetName)
          : undefined;
      if (inTargets && path.length === 4 && path[3] === 'promotion') {
        // Inside `promotion:` an unknown key is an error: a rule this tool does not know (most
        // often a misspelt one) is not enforced, and prod would deploy without it.
        const t = displayName(targetName!);
        const does =
          guess && isPromotionKey(guess)
            ? `it does nothing, so ${targetConsequence(guess, t, target)}. Did you mean '${guess}'?`
            : `a promotion rule this tool does not know is not enforced.`;
        return {
          kind: 'schema',
          range,
          message: `Unknown key '${displayName(extra)}' in target '${t}' (promotion): ${does} Known keys: ${known.join(', ')}.`,
          data: guess ? { key: extra, suggestion: guess } : { key: extra },
        };
      }
      const promotionGuess =
        inTargets && path.length === 3 && !guess
          ? nearestName(extra, [...PROMOTION_KEYS])
          : undefined;
      if (promotionGuess && isPromotionKey(promotionGuess)) {
        // A misspelt promotion key directly under a target is misplaced and misspelt at once.
        const t = displayName(targetName!);
        return {
          kind: 'schema',
          range,
          message: `Unknown key '${displayName(extra)}' in target '${t}'. Did you mean '${promotionGuess}'? It belongs under 'promotion:'; here it does nothing, so ${targetConsequence(promotionGuess, t, target)}.`,
          data: { key: extra, suggestion: promotionGuess },
        };
      }
      const message =
        `Unknown key '${displayName(extra)}' in ${where(path)}.` +
        (guess ? ` Did you mean '${guess}'?` : '') +
        (known.length ? ` Known keys: ${known.join(', ')}.` : '');
      return {
        kind: 'unknown-key',
        range,
        message,
        data: guess ? { key: extra, suggestion: guess } : { key: extra },
      };
    }
    case 'required': {
      const missing = String((err.params as { missingProperty: string }).missingProperty);
      return {
        kind: 'schema',
        range: path.length ? keyRange : firstKeyRange(file),
        message: `Missing required key '${missing}' in ${where(path)}.`,
        data: { key: missing },
      };
    }
    case 'type': {
      const want = String((err.params as { type: string | string[] }).type)
        .replace(',null', '')
        .replace(/,/g, ' or ');
      const got = describe(node);
      const label = last === undefined ? 'the document' : displayName(last);
      const hint =
        want === 'boolean'
          ? ' (true or false)'
          : want === 'array'
            ? ' (a list such as [dev, qa])'
            : '';
      return {
        kind: 'schema',
        range: valueRange ?? keyRange,
        message: `'${label}' in ${where(path.slice(0, -1))} must be ${article(want)}${hint}, not ${got}.`,
      };
    }
    case 'enum': {
      const allowed = ((err.params as { allowedValues: unknown[] }).allowedValues ?? []).map(
        String,
      );
      return {
        kind: 'schema',
        range: valueRange ?? keyRange,
        message: `'${displayName(last ?? '')}' must be one of: ${allowed.join(', ')}.`,
      };
    }
    case 'minimum': {
      const limit = (err.params as { limit: number }).limit;
      return {
        kind: 'schema',
        range: valueRange ?? keyRange,
        message: `'${displayName(last ?? '')}' in ${where(path.slice(0, -1))} must be at least ${limit}, not ${describe(node)}.`,
      };
    }
    default:
      return {
        kind: 'schema',
        range: valueRange ?? keyRange,
        message: `${where(path)}: ${err.message ?? 'does not match the schema'}.`,
      };
  }
}

function firstKeyRange(file: DeploymentFile): SourceRange {
  const root = file.doc?.contents;
  const first = isMap(root) ? root.items[0]?.key : undefined;
  return nodeRange(file, first) ?? rangeOf(file.positionAt, 0, 0);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(node: unknown): string {
  if (node === undefined || node === null) return 'empty';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'string')
      return `the text '${displayName(v.length > 40 ? `${v.slice(0, 40)}…` : v)}'`;
    return `${typeof v} ${String(v)}`;
  }
  if (isMap(node)) return 'a mapping';
  return 'a list';
}
