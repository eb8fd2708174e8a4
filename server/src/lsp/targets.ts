/**
 * Finding target names in deployment files: where one is defined and every place that names
 * it (`from`, `allowed_from`, `context.default_target`), across every file of the deployment.
 */
import {
  findTarget,
  sourcesOf,
  type Deployment,
  type DeploymentFile,
  type SourceRange,
  type Target,
} from '../core';
import type { DeploymentDocuments } from './documents';
import { defaultTarget } from './yaml-nodes';

/** True when the offset is inside the range or at either end (a cursor right after a name). */
function containsOffset(range: SourceRange, offset: number): boolean {
  return range.start.offset <= offset && offset <= range.end.offset;
}

export interface TargetAtCursor {
  name: string;
  range: SourceRange;
  kind: 'definition' | 'reference';
  deployment: Deployment;
  file: DeploymentFile;
}

export interface TargetOccurrence {
  uri: string;
  range: SourceRange;
  kind: 'definition' | 'reference';
}

export function targetAt(file: DeploymentFile, offset: number): TargetAtCursor | undefined {
  const deployment = file.deployment;
  if (!deployment) return undefined;
  for (const t of deployment.targets) {
    if (containsOffset(t.keyRange, offset))
      return { name: t.name, range: t.keyRange, kind: 'definition', deployment, file };
    for (const ref of sourcesOf(t)) {
      if (containsOffset(ref.range, offset))
        return { name: ref.value, range: ref.range, kind: 'reference', deployment, file };
    }
  }
  const dt = defaultTarget(file);
  if (dt && containsOffset(dt.range, offset))
    return { name: dt.value, range: dt.range, kind: 'reference', deployment, file };
  return undefined;
}

/** The files of a deployment, the given file first (other files matter only when it is split). */
export function deploymentFiles(docs: DeploymentDocuments, file: DeploymentFile): DeploymentFile[] {
  const name = file.deployment?.name?.value;
  const others =
    name === undefined
      ? []
      : docs
          .filesOf(name)
          .filter((u) => u !== file.file)
          .map((u) => docs.deployment(u))
          .filter((f): f is DeploymentFile => !!f);
  return [file, ...others];
}

export function findDefinition(
  docs: DeploymentDocuments,
  file: DeploymentFile,
  name: string,
): { file: DeploymentFile; target: Target } | undefined {
  for (const f of deploymentFiles(docs, file)) {
    const target = f.deployment && findTarget(f.deployment, name);
    if (target) return { file: f, target };
  }
  return undefined;
}

export function occurrences(
  docs: DeploymentDocuments,
  file: DeploymentFile,
  name: string,
): TargetOccurrence[] {
  const out: TargetOccurrence[] = [];
  for (const f of deploymentFiles(docs, file)) {
    for (const t of f.deployment?.targets ?? []) {
      if (t.name === name) out.push({ uri: f.file, range: t.keyRange, kind: 'definition' });
      for (const ref of sourcesOf(t)) {
        if (ref.value === name) out.push({ uri: f.file, range: ref.range, kind: 'reference' });
      }
    }
    const dt = defaultTarget(f);
    if (dt?.value === name) out.push({ uri: f.file, range: dt.range, kind: 'reference' });
  }
  return out;
}
