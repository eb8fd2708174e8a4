/** Go to definition, find references and rename for target names, across the deployment's files. */
import {
  ResponseError,
  ErrorCodes,
  type Location,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { displayName, findTarget, invalidNameMessage, nameProblem } from '../../core';
import type { FeatureContext } from '../context';
import { offsetAt, toLocation, toRange } from '../conversions';
import { findDefinition, occurrences, targetAt } from '../targets';
import { componentAt, componentOccurrences } from '../components';

export function definition(ctx: FeatureContext, uri: string, position: Position): Location[] {
  const file = ctx.docs.deployment(uri);
  if (!file) return [];
  const offset = offsetAt(file.text, position);
  const at = targetAt(file, offset);
  if (!at) {
    // A depends_on entry goes to the component it names.
    const c = componentAt(file, offset);
    return componentOccurrences(ctx.docs, file, c?.id ?? '')
      .filter((o) => o.kind === 'definition')
      .map((o) => toLocation(ctx.docs.clientUri(o.uri), o.range));
  }
  const def = findDefinition(ctx.docs, file, at.name);
  return def ? [toLocation(ctx.docs.clientUri(def.file.file), def.target.keyRange)] : [];
}

export function references(
  ctx: FeatureContext,
  uri: string,
  position: Position,
  includeDeclaration: boolean,
): Location[] {
  const file = ctx.docs.deployment(uri);
  if (!file) return [];
  const offset = offsetAt(file.text, position);
  const at = targetAt(file, offset);
  const found = at
    ? occurrences(ctx.docs, file, at.name)
    : componentOccurrences(ctx.docs, file, componentAt(file, offset)?.id ?? '');
  return found
    .filter((o) => includeDeclaration || o.kind === 'reference')
    .map((o) => toLocation(ctx.docs.clientUri(o.uri), o.range));
}

export function prepareRename(
  ctx: FeatureContext,
  uri: string,
  position: Position,
): { range: Range; placeholder: string } | null {
  const file = ctx.docs.deployment(uri);
  if (!file) return null;
  const at = targetAt(file, offsetAt(file.text, position));
  if (!at) return null;
  if (!findDefinition(ctx.docs, file, at.name))
    throw new ResponseError(
      ErrorCodes.InvalidRequest,
      `No target named '${at.name}' exists in this deployment, so there is nothing to rename.`,
    );
  return { range: toRange(at.range), placeholder: at.name };
}

/** The change annotation a rename of a deployed target carries, so the editor asks first. */
export const DEPLOYED_RENAME = 'atmos-deployed-target';

/**
 * Renames a target at its definition and every reference; refuses names git refs cannot hold.
 * Records in git are keyed by the target's name and do not move with it, so renaming a target
 * that has something deployed leaves those records behind under the old name. Where the client
 * supports change annotations the edit then carries one that needs confirmation, saying so
 * (VS Code shows the rename in its refactor preview); other clients get the plain edit.
 */
export async function rename(
  ctx: FeatureContext,
  uri: string,
  position: Position,
  newName: string,
): Promise<WorkspaceEdit | null> {
  const file = ctx.docs.deployment(uri);
  if (!file) return null;
  const at = targetAt(file, offsetAt(file.text, position));
  if (!at) return null;
  const why = nameProblem('target', newName);
  if (why)
    throw new ResponseError(ErrorCodes.InvalidParams, invalidNameMessage('target', newName, why));
  if (newName !== at.name && at.deployment && findTarget(at.deployment, newName))
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      `Target '${newName}' already exists in this deployment; renaming '${at.name}' to it would merge two targets.`,
    );
  // A name that differs from another target's only by case would be an invalid-name error
  // right after the rename (one ref file on macOS and Windows), so it is refused up front.
  const clash = at.deployment?.targets.find(
    (t) =>
      t.name !== at.name && t.name !== newName && t.name.toLowerCase() === newName.toLowerCase(),
  );
  if (clash)
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      `Target '${displayName(clash.name)}' differs from '${displayName(newName)}' only by case, and the two would be one ref file on macOS and Windows; choose another name.`,
    );
  const changes: Record<string, TextEdit[]> = {};
  for (const o of occurrences(ctx.docs, file, at.name)) {
    const key = ctx.docs.clientUri(o.uri);
    const original = ctx.docs.get(o.uri)?.text.slice(o.range.start.offset, o.range.end.offset);
    // Quoted names stay quoted with the same quote character.
    const q = original && /^["']/.test(original) ? original[0] : '';
    (changes[key] ??= []).push({ range: toRange(o.range), newText: `${q}${newName}${q}` });
  }
  const deploymentName = at.deployment?.name?.value;
  if (!ctx.changeAnnotations || !deploymentName || newName === at.name) return { changes };
  // Live state is a cache over git; a failure to read it must not block a rename.
  const deployed = await ctx.live.deployed(deploymentName).then(
    (state) => Object.keys(state[at.name] ?? {}),
    () => [] as string[],
  );
  if (deployed.length === 0) return { changes };
  const count = `${deployed.length} component${deployed.length === 1 ? '' : 's'}`;
  return {
    documentChanges: Object.entries(changes).map(([docUri, edits]) => ({
      textDocument: { uri: docUri, version: null },
      edits: edits.map((e) => ({ ...e, annotationId: DEPLOYED_RENAME })),
    })),
    changeAnnotations: {
      [DEPLOYED_RENAME]: {
        label: `Rename deployed target '${at.name}'`,
        needsConfirmation: true,
        description: `'${at.name}' has ${count} deployed (${deployed.join(', ')}), recorded in git under its name. The records do not move: after the rename '${newName}' shows nothing deployed, and the history stays under '${at.name}'.`,
      },
    },
  };
}
