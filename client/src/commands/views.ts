/**
 * Read-only commands: history, compare, reveal and validate. They work in restricted mode
 * because none of them writes git.
 */
import * as vscode from 'vscode';
import {
  HistoryRequest,
  type DeploymentInfo,
  type TargetInfo,
} from '../../../server/src/protocol/requests';
import { errorText } from '../log';
import { shortSha } from '../tree/promotionsTree';
import type { CommandContext } from './context';
import { pickDeployment, pickTarget, targetName, type CommandArgs } from './pick';
import { comparePairs, sameCommitsText, type ComparePair } from './compare-text';
import { openReport } from './reports';
import { historyMarkdown } from '../timeline/markdown';
import type { TimelineData } from '../timeline/messages';

function toVsRange(r: TargetInfo['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** Opens the YAML of a deployment (or one of its targets) with the name selected. */
export async function revealInYaml(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<vscode.TextEditor | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const name = targetName(args);
  const target = name ? deployment.targets.find((t) => t.name === name) : undefined;
  return revealRange(target?.uri ?? deployment.uri, target?.range ?? deployment.range);
}

export async function revealRange(
  uri: string,
  range: TargetInfo['range'],
): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const r = toVsRange(range);
  // The graph sits beside the YAML; reveal in the first column so the graph stays visible. The
  // selection goes in the show options: set afterwards, it can be overwritten when VS Code
  // restores the editor's previous view state (cursor included) of a document shown before.
  const editor = await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.One,
    preserveFocus: false,
    selection: r,
  });
  editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

/**
 * Show History: the promotion timeline of a deployment (lanes per target, promotions as links),
 * which also opens the Markdown table on request. Resolves to the history it posted.
 */
export async function showHistory(
  ctx: CommandContext,
  args?: CommandArgs & { component?: string },
): Promise<TimelineData | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const data = await ctx.timeline.show(deployment, {
    target: targetName(args),
    component: args?.component,
  });
  if (!data && ctx.timeline.lastError)
    void vscode.window.showErrorMessage(`Atmos Deployments: ${ctx.timeline.lastError}`);
  return data;
}

/** The history as the Markdown table Show History opened before the timeline. */
export async function showHistoryAsMarkdown(
  ctx: CommandContext,
  args?: CommandArgs & { component?: string },
): Promise<vscode.TextDocument | undefined> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const target = targetName(args);
  try {
    const res = await ctx.session.request(HistoryRequest, {
      deployment: deployment.name,
      target,
      component: args?.component,
      limit: 500,
    });
    const title = [deployment.name, target, args?.component].filter(Boolean).join('/');
    const doc = await openReport(`History of ${title}`, historyMarkdown(title, res.entries));
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  } catch (err) {
    void vscode.window.showErrorMessage(`Atmos Deployments: ${errorText(err)}`);
    return undefined;
  }
}

/** The parts of the built-in git extension's API we use (typed here; it ships no npm types). */
interface GitChange {
  /** The path on the newer side of the diff (the new name of a renamed file). */
  uri: vscode.Uri;
  /** The path on the older side (the old name of a renamed file). */
  originalUri: vscode.Uri;
  /** The git extension's Status: for `git diff` output, A is 1, R is 3, M is 5, D is 6. */
  status: number;
}

interface GitRepository {
  rootUri: vscode.Uri;
  /** `git diff ref1...ref2`: the changes on ref2's side since the merge base of the two. */
  diffBetween(ref1: string, ref2: string): Promise<GitChange[]>;
}

interface GitApi {
  state: 'uninitialized' | 'initialized';
  onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  onDidOpenRepository: vscode.Event<GitRepository>;
  repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
  toGitUri(uri: vscode.Uri, ref: string): vscode.Uri;
}

const GIT_ADDED = 1;
const GIT_DELETED = 6;
/** How long a command waits for the git extension to open the workspace's repositories. */
const GIT_REPOSITORY_WAIT_MS = 15000;

async function gitApi(): Promise<GitApi | undefined> {
  if (!vscode.workspace.getConfiguration('git').get<boolean>('enabled', true)) return undefined;
  const ext = vscode.extensions.getExtension<{ getAPI(v: 1): GitApi; enabled: boolean }>(
    'vscode.git',
  );
  if (!ext) return undefined;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    return exports.enabled ? exports.getAPI(1) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The git extension's repository holding `uri`. Right after the window opens the extension is
 * active but still scanning the workspace (its state is 'uninitialized' and `repositories` is
 * empty), so this waits for the scan to end or for the repository to open, up to `timeoutMs`.
 */
async function gitRepositoryFor(
  api: GitApi,
  uri: vscode.Uri,
  timeoutMs = GIT_REPOSITORY_WAIT_MS,
): Promise<GitRepository | undefined> {
  const find = () => api.getRepository(uri) ?? undefined;
  const found = find();
  if (found || api.state === 'initialized') return found;
  return new Promise((resolve) => {
    const subs: vscode.Disposable[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const s of subs) s.dispose();
      resolve(find());
    };
    const timer = setTimeout(done, timeoutMs);
    subs.push(
      api.onDidOpenRepository(() => {
        if (find()) done();
      }),
      api.onDidChangeState((state) => {
        if (state === 'initialized') done();
      }),
    );
  });
}

/** One entry of the changes editor: the file's path at `from` and at `to` (none where absent). */
interface ChangedFile {
  label: vscode.Uri;
  atFrom?: vscode.Uri;
  atTo?: vscode.Uri;
}

/**
 * The files that differ between commits `from` and `to`. The git API only has diffBetween(a, b),
 * which is `git diff a...b`: the changes on b's side since the merge base. That is the whole
 * difference only when `from` is an ancestor of `to`; comparing a newer target with an older one
 * gave no files at all. So both sides are asked for and merged: `from...to` (empty when `to` is
 * an ancestor of `from`) and `to...from` (empty when `from` is an ancestor of `to`). When the two
 * have diverged, a file changed the same way on both sides is listed with no differences.
 */
function mergeChanges(forward: GitChange[], backward: GitChange[]): ChangedFile[] {
  const files = new Map<string, ChangedFile>();
  // forward runs from the merge base to `to`; a file it lists that `from`'s side did not touch
  // is at `from` as it was at the base.
  for (const c of forward) {
    files.set(c.uri.toString(), {
      label: c.uri,
      atFrom: c.status === GIT_ADDED ? undefined : c.originalUri,
      atTo: c.status === GIT_DELETED ? undefined : c.uri,
    });
  }
  // backward runs from the merge base to `from`.
  for (const c of backward) {
    const atFrom = c.status === GIT_DELETED ? undefined : c.uri;
    const both = files.get(c.uri.toString()) ?? files.get(c.originalUri.toString());
    if (both) both.atFrom = atFrom;
    else
      files.set(c.uri.toString(), {
        label: c.uri,
        atFrom,
        atTo: c.status === GIT_ADDED ? undefined : c.originalUri,
      });
  }
  return [...files.values()].filter((f) => f.atFrom || f.atTo);
}

export function compareMarkdown(
  deployment: DeploymentInfo,
  a: TargetInfo,
  b: TargetInfo,
  pairs: ComparePair[],
  why?: string,
): string {
  const esc = (v: string) => v.replace(/[|\\`<>*_[\]]/g, (c) => `\\${c}`);
  const lines = [`# ${esc(deployment.name)}: ${esc(a.name)} → ${esc(b.name)}`, ''];
  if (why) lines.push(`_${why}_`, '');
  lines.push(`| Component | ${esc(a.name)} | ${esc(b.name)} | Commit range |`, '|---|---|---|---|');
  const none = '(nothing deployed)';
  for (const p of pairs) {
    const range =
      p.fromSha && p.toSha
        ? p.fromSha === p.toSha
          ? 'same commit'
          : `\`${p.fromSha}..${p.toSha}\``
        : '';
    lines.push(
      `| ${esc(p.component)} | ${p.fromSha ? `\`${p.fromSha}\`` : none} | ${p.toSha ? `\`${p.toSha}\`` : none} | ${range} |`,
    );
  }
  const ranges = [
    ...new Set(
      pairs
        .filter((p) => p.fromSha && p.toSha && p.fromSha !== p.toSha)
        .map((p) => `${p.fromSha}..${p.toSha}`),
    ),
  ];
  if (ranges.length) {
    lines.push('', 'To list the commits in between:', '', '```sh');
    for (const r of ranges) lines.push(`git log --oneline ${r}`);
    lines.push('```');
  }
  return lines.join('\n');
}

export async function compareTargets(
  ctx: CommandContext,
  args?: CommandArgs & { with?: string },
): Promise<
  | {
      pairs: ComparePair[];
      opened: 'diff' | 'document' | 'message';
      /** With 'message': what it said (the targets run the same commits). */
      message?: string;
      /** With 'diff': how many files the changes editor lists. */
      files?: number;
      document?: vscode.TextDocument;
    }
  | undefined
> {
  const deployment = await pickDeployment(ctx.tree, args);
  if (!deployment) return undefined;
  const a = await pickTarget(deployment, args, () => true, 'Compare from');
  if (!a) return undefined;
  const b = await pickTarget(
    deployment,
    args?.with ? { target: args.with } : undefined,
    (t) => t.name !== a.name,
    `Compare ${a.name} with`,
  );
  if (!b) return undefined;
  const pairs = comparePairs(a, b);
  const same = sameCommitsText(a.name, b.name, pairs);
  if (same) {
    // Nothing differs, so a table of equal SHAs would only make the reader compare them.
    void vscode.window.showInformationMessage(same);
    return { pairs, opened: 'message', message: same };
  }
  const diffable = pairs.filter((p) => p.fromSha && p.toSha && p.fromSha !== p.toSha);
  const api = diffable.length ? await gitApi() : undefined;
  const repo = api ? await gitRepositoryFor(api, vscode.Uri.parse(deployment.uri)) : undefined;
  if (api && repo) {
    const first = diffable[0];
    const from = first.fromSha as string;
    const to = first.toSha as string;
    try {
      const [forward, backward] = await Promise.all([
        repo.diffBetween(from, to),
        repo.diffBetween(to, from),
      ]);
      const files = mergeChanges(forward, backward);
      const resources = files.map((f) => [
        f.label,
        f.atFrom && api.toGitUri(f.atFrom, from),
        f.atTo && api.toGitUri(f.atTo, to),
      ]);
      await vscode.commands.executeCommand(
        'vscode.changes',
        `${deployment.name}: ${a.name} (${shortSha(from)}) ↔ ${b.name} (${shortSha(to)})`,
        resources,
      );
      return { pairs, opened: 'diff', files: files.length };
    } catch (err) {
      ctx.log.warn(
        `git extension diff failed, showing the commit range instead: ${errorText(err)}`,
      );
    }
  }
  const why = !diffable.length
    ? undefined
    : !api
      ? 'The built-in Git extension is not available, so this shows the commit range instead of a diff.'
      : !repo
        ? "The built-in Git extension has no repository open for this deployment's file, so this shows the commit range instead of a diff."
        : undefined;
  const doc = await openReport(
    `${deployment.name} ${a.name} vs ${b.name}`,
    compareMarkdown(deployment, a, b, pairs, why),
  );
  await vscode.window.showTextDocument(doc, { preview: true });
  return { pairs, opened: 'document', document: doc };
}

/** Opens every deployment file so the server checks it, then summarises and shows Problems. */
export async function validateWorkspace(
  ctx: CommandContext,
): Promise<{ files: number; errors: number; warnings: number }> {
  const glob = vscode.workspace
    .getConfiguration('atmosDeployments')
    .get<string>('files', '**/deployments/**/*.{yaml,yml}');
  const uris = await vscode.workspace.findFiles(glob, '**/node_modules/**');
  await Promise.all(uris.map((u) => vscode.workspace.openTextDocument(u)));
  ctx.refresh();
  // Diagnostics arrive asynchronously after the documents open; wait for them to settle (no
  // change for half a second) with an overall deadline, rather than a fixed delay.
  await new Promise<void>((resolve) => {
    let timer = setTimeout(done, 500);
    const deadline = setTimeout(done, 5000);
    const sub = vscode.languages.onDidChangeDiagnostics(() => {
      clearTimeout(timer);
      timer = setTimeout(done, 500);
    });
    function done(): void {
      clearTimeout(timer);
      clearTimeout(deadline);
      sub.dispose();
      resolve();
    }
  });
  let errors = 0;
  let warnings = 0;
  for (const u of uris) {
    for (const d of vscode.languages.getDiagnostics(u)) {
      if (d.source !== 'atmos-deployments') continue;
      if (d.severity === vscode.DiagnosticSeverity.Error) errors++;
      else if (d.severity === vscode.DiagnosticSeverity.Warning) warnings++;
    }
  }
  const summary = `Checked ${uris.length} deployment file${uris.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`;
  ctx.log.info(summary);
  void vscode.window.showInformationMessage(summary);
  if (errors || warnings) void vscode.commands.executeCommand('workbench.actions.view.problems');
  return { files: uris.length, errors, warnings };
}
