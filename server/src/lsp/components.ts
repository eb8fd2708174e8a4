/**
 * Finding components in deployment files for the editor: a component's key (its definition)
 * and the `metadata.depends_on` entries that name it as `<type>/<name>` (its references),
 * across every file of the deployment, as targets.ts does for target names.
 */
import {
  dependencyId,
  type Component,
  type Deployment,
  type DeploymentFile,
  type SourceRange,
} from '../core';
import type { DeploymentDocuments } from './documents';
import { deploymentFiles } from './targets';

export interface ComponentAtCursor {
  /** `<type>/<name>`, as depends_on entries write it. */
  id: string;
  range: SourceRange;
  kind: 'definition' | 'reference';
  deployment: Deployment;
}

/** True when the offset is inside the range or at either end (a cursor right after a name). */
function containsOffset(range: SourceRange, offset: number): boolean {
  return range.start.offset <= offset && offset <= range.end.offset;
}

export function componentAt(file: DeploymentFile, offset: number): ComponentAtCursor | undefined {
  const deployment = file.deployment;
  if (!deployment) return undefined;
  for (const c of deployment.components) {
    if (containsOffset(c.keyRange, offset))
      return { id: dependencyId(c), range: c.keyRange, kind: 'definition', deployment };
    for (const ref of c.dependsOn)
      if (containsOffset(ref.range, offset))
        return { id: ref.value, range: ref.range, kind: 'reference', deployment };
  }
  return undefined;
}

/** Every component of the deployment with the file it is declared in, this file's first. */
export function componentsOf(
  docs: DeploymentDocuments,
  file: DeploymentFile,
): Array<{ file: DeploymentFile; component: Component }> {
  return deploymentFiles(docs, file).flatMap((f) =>
    (f.deployment?.components ?? []).map((component) => ({ file: f, component })),
  );
}

export function componentOccurrences(
  docs: DeploymentDocuments,
  file: DeploymentFile,
  id: string,
): Array<{ uri: string; range: SourceRange; kind: 'definition' | 'reference' }> {
  const out: Array<{ uri: string; range: SourceRange; kind: 'definition' | 'reference' }> = [];
  for (const { file: f, component: c } of componentsOf(docs, file)) {
    if (dependencyId(c) === id) out.push({ uri: f.file, range: c.keyRange, kind: 'definition' });
    for (const ref of c.dependsOn)
      if (ref.value === id) out.push({ uri: f.file, range: ref.range, kind: 'reference' });
  }
  return out.sort((a, b) =>
    a.uri === b.uri ? a.range.start.offset - b.range.start.offset : a.uri < b.uri ? -1 : 1,
  );
}

/** Markdown describing a component: what it depends on and what depends on it. */
export function componentDoc(
  docs: DeploymentDocuments,
  file: DeploymentFile,
  id: string,
): string[] {
  const all = componentsOf(docs, file).map((x) => x.component);
  const c = all.find((x) => dependencyId(x) === id);
  const dname = file.deployment?.name?.value ?? '(unnamed deployment)';
  if (!c) return [`**${id}**`, '', `No component \`${id}\` exists in deployment \`${dname}\`.`];
  const needs = c.dependsOn.map((r) => `\`${r.value}\``);
  const neededBy = all
    .filter((x) => x.dependsOn.some((r) => r.value === id))
    .map((x) => `\`${dependencyId(x)}\``);
  return [
    `**${c.name}**: ${c.type} component of deployment \`${dname}\``,
    '',
    needs.length ? `- Deployed after: ${needs.join(', ')}` : '- Depends on nothing',
    neededBy.length ? `- Deployed before: ${neededBy.join(', ')}` : '- Nothing depends on it',
  ];
}
