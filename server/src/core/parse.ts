/**
 * Parses a deployment file into the model. Never throws: every failure becomes a problem
 * with a stable code at the range it concerns.
 */
import { displayText } from './names';
import type { Node, Document } from 'yaml';
import { isMap, isPair, isSeq, parseDocument } from './yaml-api';
import type { DeploymentFile } from './model';
import { problem, type Problem } from './problem';
import { lineStarts, positionFinderFrom, rangeOf } from './text';
import { DEFAULT_LIMITS, type ParseLimits } from './limits';
import { ModelReader } from './model-reader';
import { scalarString } from './scalar';
import { rememberParse } from './parse-state';
import { syntaxReport } from './syntax-errors';
import { NOT_PLAIN, plainData, plainSchema } from './plain-data';

export { COMPONENT_TYPES } from './model-reader';
export { scalarString } from './scalar';

/** True when the text looks like a deployment file without parsing it (cheap, for discovery). */
export function looksLikeDeployment(text: string): boolean {
  return /^(?:\uFEFF)?deployment[ \t]*:/m.test(text.slice(0, 64 * 1024));
}

export function parseDeploymentFile(
  text: string,
  file: string,
  limits: ParseLimits = DEFAULT_LIMITS,
): DeploymentFile {
  const starts = lineStarts(text);
  const positionAt = positionFinderFrom(text, starts);
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

  const shape = shapeOf(root as Node, limits, 0);
  if (shape.exceeded !== undefined) {
    base.problems.push(
      problem(
        'yaml-syntax',
        file,
        rangeOf(positionAt, shape.exceeded.at, shape.exceeded.at + 1),
        shape.exceeded.why === 'depth'
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
      const plain = plainSchema(doc) ? plainData(doc.contents) : NOT_PLAIN;
      value = plain !== NOT_PLAIN ? plain : doc.toJS({ maxAliasCount: limits.maxAliasCount });
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
  const parsed: DeploymentFile = { ...base, ...broken, doc, value, isDeployment: true, deployment };
  // A clean parse is what an edit inside one target can be spliced into (incremental.ts).
  if (base.problems.length === 0 && value !== undefined)
    rememberParse(parsed, { lineStarts: starts, nodeCount: shape.count, limits });
  return parsed;
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

/**
 * How many nodes the tree under `node` has (null keys and values do not count), and where it
 * first goes deeper than `maxDepth` or past `maxNodes` nodes, if it does. `depth` is the depth
 * of `node` itself, so one target's subtree can be counted as the whole document counts it.
 */
export function shapeOf(
  node: Node,
  limits: ParseLimits,
  depth: number,
  counted = 0,
): { count: number; exceeded?: { at: number; why: 'depth' | 'nodes' } } {
  // Two parallel stacks rather than one of [node, depth] pairs: this runs over every node of
  // every file, and a pair per node was garbage for the collector to clear.
  const nodes: unknown[] = [node];
  const depths: number[] = [depth];
  let count = counted;
  while (nodes.length) {
    const n = nodes.pop();
    const d = depths.pop()!;
    if (n === null || n === undefined) continue;
    if (++count > limits.maxNodes)
      return {
        count: count - counted,
        exceeded: { at: (n as Node).range?.[0] ?? 0, why: 'nodes' },
      };
    if (isMap(n) || isSeq(n)) {
      if (d > limits.maxDepth)
        return { count: count - counted, exceeded: { at: n.range?.[0] ?? 0, why: 'depth' } };
      for (const item of n.items as unknown[]) {
        if (isPair(item)) {
          nodes.push(item.value, item.key);
          depths.push(d + 1, d + 1);
        } else {
          nodes.push(item);
          depths.push(d + 1);
        }
      }
    }
  }
  return { count: count - counted };
}
