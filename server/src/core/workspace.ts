/**
 * The set of deployment files in a workspace, for the cross-file rule (`duplicate-deployment`)
 * and for features that look across files (completion, rename). Keyed by the caller's file name.
 *
 * The index holds whatever the caller gives it as long as it names the file and the deployment:
 * the CLI keeps full parses, while the language server keeps a compact summary of each file that
 * is not open (see `summarize`), so that a workspace of thousands of files does not keep
 * thousands of syntax trees alive.
 */
import type { DeploymentFile, NameNode } from './model';

/** What the index (and `duplicate-deployment`) reads of a file. */
export interface IndexedFile {
  file: string;
  deployment?: { name?: NameNode };
}

/** The least of a parse that the index needs: the file and its deployment's name node. */
export function summarize(file: DeploymentFile): IndexedFile {
  const name = file.deployment?.name;
  return {
    file: file.file,
    deployment: file.deployment ? { name: name && { ...name } } : undefined,
  };
}

export class WorkspaceIndex<F extends IndexedFile = DeploymentFile> {
  private readonly files = new Map<string, F>();
  private readonly byName = new Map<string, Set<string>>();

  set(file: F): void {
    this.delete(file.file);
    this.files.set(file.file, file);
    const name = file.deployment?.name?.value;
    if (name !== undefined) {
      if (!this.byName.has(name)) this.byName.set(name, new Set());
      this.byName.get(name)!.add(file.file);
    }
  }

  delete(fileName: string): void {
    const old = this.files.get(fileName);
    if (!old) return;
    this.files.delete(fileName);
    const name = old.deployment?.name?.value;
    if (name !== undefined) {
      const set = this.byName.get(name);
      set?.delete(fileName);
      if (set && set.size === 0) this.byName.delete(name);
    }
  }

  get(fileName: string): F | undefined {
    return this.files.get(fileName);
  }

  all(): F[] {
    return [...this.files.values()];
  }

  /** Files declaring this deployment name, in a stable order. */
  filesFor(deploymentName: string): F[] {
    return [...(this.byName.get(deploymentName) ?? [])].sort().map((f) => this.files.get(f)!);
  }

  deploymentNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Names declared by more than one file: the only ones `duplicate-deployment` reports. */
  sharedNames(): string[] {
    return [...this.byName].filter(([, files]) => files.size > 1).map(([name]) => name);
  }

  /** The file that defines a deployment; the first by name when several do (a reported error). */
  find(deploymentName: string): F | undefined {
    return this.filesFor(deploymentName)[0];
  }
}
