/**
 * The set of deployment files in a workspace, for the cross-file rule (`duplicate-deployment`)
 * and for features that look across files (completion, rename). Keyed by the caller's file name.
 */
import type { DeploymentFile } from './model';

export class WorkspaceIndex {
  private readonly files = new Map<string, DeploymentFile>();
  private readonly byName = new Map<string, Set<string>>();

  set(file: DeploymentFile): void {
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

  get(fileName: string): DeploymentFile | undefined {
    return this.files.get(fileName);
  }

  all(): DeploymentFile[] {
    return [...this.files.values()];
  }

  /** Files declaring this deployment name, in a stable order. */
  filesFor(deploymentName: string): DeploymentFile[] {
    return [...(this.byName.get(deploymentName) ?? [])].sort().map((f) => this.files.get(f)!);
  }

  deploymentNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The file that defines a deployment; the first by name when several do (a reported error). */
  find(deploymentName: string): DeploymentFile | undefined {
    return this.filesFor(deploymentName)[0];
  }
}
