/**
 * Completion of target names where a target is expected (`from:`, `allowed_from` in flow and
 * block style, `context.default_target`) and of schema keys and enum values. It reads the
 * cursor's place from the text (yaml-context.ts), so it works on half-typed YAML.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type Position,
} from 'vscode-languageserver';
import { allowedSources, buildGraph, dependencyId, type DeploymentFile } from '../../core';
import { componentsOf } from '../components';
import type { FeatureContext } from '../context';
import { offsetAt, toPosition } from '../conversions';
import { describe, schemaAt, typeText, type SchemaNode } from '../schema-nav';
import { deploymentFiles } from '../targets';
import { cursorContext, type CursorContext } from '../yaml-context';

const EMPTY: CompletionList = { isIncomplete: false, items: [] };

export function completion(ctx: FeatureContext, uri: string, position: Position): CompletionList {
  const file = ctx.docs.get(uri);
  if (!file?.isDeployment) return EMPTY;
  const offset = offsetAt(file.text, position);
  const cur = cursorContext(file.text, offset);
  const range = {
    start: toPosition(file.positionAt(cur.replaceStart)),
    end: toPosition(file.positionAt(Math.max(cur.replaceStart, cur.replaceEnd))),
  };
  const edit = (text: string) => ({
    range: { start: range.start, end: range.end },
    newText: cur.needsSpace ? ` ${text}` : text,
  });
  const items: CompletionItem[] = [];

  const dependency = dependencyContext(cur);
  if (dependency) {
    const own = file.deployment?.components.length ? file : (ctx.docs.lastGoodParse(uri) ?? file);
    componentsOf(ctx.docs, own).forEach(({ component: c }, i) => {
      const id = dependencyId(c);
      if (id === dependency.self || dependency.exclude.includes(id)) return;
      items.push({
        label: id,
        kind: CompletionItemKind.Reference,
        detail: `${c.type} component`,
        textEdit: edit(id),
        sortText: `0-${String(i).padStart(4, '0')}`,
      });
    });
    return { isIncomplete: false, items };
  }

  const target = targetContext(cur);
  if (target) {
    const candidates = targetCandidates(ctx, file).filter(
      (t) => t.name !== target.self && !target.exclude.includes(t.name),
    );
    if (ctx.completionDefaults) {
      // The range and the file are the same for every item, so the list carries them once; a
      // deployment of 5,000 targets sends a fifth of the bytes it would otherwise, which the
      // client reads while the user waits. The target is the item's label.
      const data: TargetItemData = { uri };
      return {
        isIncomplete: false,
        itemDefaults: { editRange: range, data },
        items: candidates.map((t) => ({
          label: t.name,
          kind: CompletionItemKind.Reference,
          ...(ctx.resolveDetail ? {} : { detail: `target of ${t.deployment}` }),
          ...(cur.needsSpace ? { textEditText: ` ${t.name}` } : {}),
          sortText: `0-${String(t.order).padStart(4, '0')}`,
        })),
      };
    }
    for (const t of candidates) {
      const data: TargetItemData = { uri, target: t.name };
      items.push({
        label: t.name,
        kind: CompletionItemKind.Reference,
        ...(ctx.resolveDetail ? {} : { detail: `target of ${t.deployment}` }),
        // The documentation comes from completionItem/resolve, for the item the user looks at:
        // a deployment of 5,000 targets would otherwise describe all 5,000 on every keystroke.
        data,
        textEdit: edit(t.name),
        sortText: `0-${String(t.order).padStart(4, '0')}`,
      });
    }
    return { isIncomplete: false, items };
  }

  if (cur.kind === 'value' && cur.key !== undefined) {
    const schema = schemaAt([...cur.path, cur.key]);
    for (const v of valueChoices(cur.key, schema)) {
      items.push({
        label: v,
        kind: CompletionItemKind.Value,
        documentation: docOf(schema),
        textEdit: edit(v),
      });
    }
    return { isIncomplete: false, items };
  }

  if (cur.kind === 'key') {
    const parent = schemaAt(cur.path);
    for (const [key, prop] of Object.entries(parent?.properties ?? {})) {
      if (cur.siblings.includes(key)) continue;
      const child = schemaAt([...cur.path, key]);
      const scalar = !isCollection(child);
      items.push({
        label: key,
        kind: CompletionItemKind.Property,
        detail: typeText(child ?? prop),
        documentation: docOf(child ?? prop),
        textEdit: { range, newText: scalar ? `${key}: ` : `${key}:` },
        insertTextFormat: InsertTextFormat.PlainText,
      });
    }
  }
  return { isIncomplete: false, items };
}

/**
 * When the cursor is in a component's `metadata.depends_on` list: the component being edited
 * (as `<type>/<name>`, never offered to itself) and the entries already listed.
 */
function dependencyContext(cur: CursorContext): { self: string; exclude: string[] } | undefined {
  const [d, components, type, name, metadata] = cur.path;
  const inMetadata =
    d === 'deployment' &&
    components === 'components' &&
    metadata === 'metadata' &&
    cur.path.length === 5;
  if (
    inMetadata &&
    cur.key === 'depends_on' &&
    (cur.kind === 'flow-item' || cur.kind === 'block-item')
  )
    return { self: `${type}/${name}`, exclude: cur.listed };
  return undefined;
}

/** When the cursor expects a target name: which target is being edited and what to leave out. */
function targetContext(cur: CursorContext): { self?: string; exclude: string[] } | undefined {
  const [d, targets, self, promotion] = cur.path;
  const inPromotion =
    d === 'deployment' &&
    targets === 'targets' &&
    promotion === 'promotion' &&
    cur.path.length === 4;
  if (inPromotion && cur.kind === 'value' && cur.key === 'from') return { self, exclude: [] };
  if (
    inPromotion &&
    cur.key === 'allowed_from' &&
    (cur.kind === 'flow-item' || cur.kind === 'block-item')
  )
    return { self, exclude: cur.listed };
  if (
    cur.kind === 'value' &&
    cur.key === 'default_target' &&
    cur.path.join('.') === 'deployment.context'
  )
    return { exclude: [] };
  return undefined;
}

interface Candidate {
  name: string;
  deployment: string;
  /** Markdown describing the target; built only when asked for. */
  doc: () => string;
  order: number;
}

/**
 * What a target item carries to completionItem/resolve. Without `target` (a list with
 * `itemDefaults`, where every item shares the data) the target is the item's label.
 */
interface TargetItemData {
  uri: string;
  target?: string;
}

function isTargetItemData(v: unknown): v is TargetItemData {
  const d = v as Partial<TargetItemData> | undefined;
  return (
    !!d && typeof d.uri === 'string' && (d.target === undefined || typeof d.target === 'string')
  );
}

/** Fills in the detail and documentation of a target item; other items come back as they are. */
export function resolveCompletion(ctx: FeatureContext, item: CompletionItem): CompletionItem {
  if (!isTargetItemData(item.data) || item.documentation) return item;
  const file = ctx.docs.get(item.data.uri);
  if (!file?.isDeployment) return item;
  const target = item.data.target ?? item.label;
  const found = targetCandidates(ctx, file).find((t) => t.name === target);
  return found
    ? {
        ...item,
        detail: item.detail ?? `target of ${found.deployment}`,
        documentation: { kind: MarkupKind.Markdown, value: found.doc() },
      }
    : item;
}

/** Target names of this deployment: from this file (or its last good parse) and its other files. */
function targetCandidates(ctx: FeatureContext, file: DeploymentFile): Candidate[] {
  const own = file.deployment?.targets.length ? file : (ctx.docs.lastGoodParse(file.file) ?? file);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const f of deploymentFiles(ctx.docs, own)) {
    const d = f.deployment;
    if (!d) continue;
    let built: ReturnType<typeof buildGraph> | undefined;
    const graph = () => (built ??= buildGraph(d));
    const name = d.name?.value ?? '(unnamed deployment)';
    for (const t of d.targets) {
      if (seen.has(t.name)) continue;
      seen.add(t.name);
      const doc = () => {
        const sources = allowedSources(t);
        const promotesTo = graph().dependents.get(t.name) ?? [];
        const lines = [
          `**${t.name}**: target of deployment \`${name}\``,
          '',
          sources ? `Promoted from: ${sources.join(', ')}` : 'Entry point: accepts any commit',
          promotesTo.length ? `Promotes to: ${promotesTo.join(', ')}` : 'Nothing promotes from it',
        ];
        if (t.promotion?.requiresApproval) lines.push('Requires approval');
        return lines.join('  \n');
      };
      out.push({ name: t.name, deployment: name, doc, order: out.length });
    }
  }
  return out;
}

function valueChoices(key: string, schema: SchemaNode | undefined): string[] {
  if (!schema) return [];
  if (schema.enum) return schema.enum.map(String);
  const type = schema.type;
  if (type === 'boolean' || (Array.isArray(type) && type.includes('boolean')))
    return ['true', 'false'];
  // promote_by has a fixed vocabulary that the schema gives as examples, not as an enum.
  if (key === 'promote_by' && schema.examples) return schema.examples.map(String);
  return [];
}

function isCollection(node: SchemaNode | undefined): boolean {
  const t = node?.type;
  const types = Array.isArray(t) ? t : t ? [t] : [];
  return types.includes('object') || types.includes('array');
}

function docOf(node: SchemaNode | undefined) {
  const text = describe(node);
  return text ? { kind: MarkupKind.Markdown, value: text } : undefined;
}
