/**
 * Verify Records: replays the deployment records of the workspace (refs, tags, approval notes)
 * against the committed rules through the server's `atmosDeployments/verify`, the same check as
 * `atmos-deployments verify`, and puts each finding in the Problems panel at the target it is
 * about. The findings stay until the next verification; they are facts about git, not about the
 * text, so editing the file does not clear them.
 */
import * as vscode from 'vscode';
import {
  VerifyRequest,
  type VerifyFindingInfo,
  type VerifyResult,
} from '../../../server/src/protocol/requests';
import type { CommandContext } from './context';
import type { CommandArgs } from './pick';

/** The Problems panel's source for verify findings, apart from the files' own diagnostics. */
export const VERIFY_SOURCE = 'atmos-deployments verify';

let collection: vscode.DiagnosticCollection | undefined;

function findingsCollection(ctx: CommandContext): vscode.DiagnosticCollection {
  if (!collection) {
    collection = vscode.languages.createDiagnosticCollection('atmosDeployments.verify');
    ctx.extension.subscriptions.push(collection);
  }
  return collection;
}

function toDiagnostic(f: VerifyFindingInfo): vscode.Diagnostic {
  const r = f.range!;
  const d = new vscode.Diagnostic(
    new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character),
    `${f.message} (${f.ref.replace(/^refs\/tags\//, '')})`,
    vscode.DiagnosticSeverity.Error,
  );
  d.source = VERIFY_SOURCE;
  d.code = f.code;
  return d;
}

/** Runs the check with a progress notification, fills the Problems panel, says what it found. */
export async function verifyRecords(
  ctx: CommandContext,
  args?: CommandArgs,
): Promise<VerifyResult | undefined> {
  const d = args?.deployment;
  const deployments = d ? [typeof d === 'string' ? d : d.name] : undefined;
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Atmos Deployments: verifying the deployment records…',
    },
    () => ctx.session.request(VerifyRequest, { deployments }),
  );
  const diagnostics = findingsCollection(ctx);
  diagnostics.clear();
  const byUri = new Map<string, vscode.Diagnostic[]>();
  const unplaced: VerifyFindingInfo[] = [];
  for (const f of result.findings) {
    if (!f.uri || !f.range) {
      unplaced.push(f);
      continue;
    }
    byUri.set(f.uri, [...(byUri.get(f.uri) ?? []), toDiagnostic(f)]);
  }
  for (const [uri, list] of byUri) diagnostics.set(vscode.Uri.parse(uri, true), list);
  for (const f of result.findings) ctx.log.info(`verify: ${f.ref}: ${f.code} ${f.message}`);
  const n = result.findings.length;
  if (n === 0) {
    void vscode.window.showInformationMessage(
      `Atmos Deployments: the deployment records verify clean (${result.records} record${result.records === 1 ? '' : 's'} checked).`,
    );
    return result;
  }
  const problems = 'Show Problems';
  const log = 'Open Log';
  const elsewhere = unplaced.length
    ? ` ${unplaced.length} concern deployments without a file in this workspace; the log lists them.`
    : '';
  // The command resolves with the result at once; the notification's buttons act whenever
  // (if ever) the user clicks them.
  void vscode.window
    .showWarningMessage(
      `Atmos Deployments: ${n} finding${n === 1 ? '' : 's'} in the deployment records (${result.records} checked).${elsewhere}`,
      ...(byUri.size ? [problems] : []),
      log,
    )
    .then((choice) => {
      if (choice === problems)
        void vscode.commands.executeCommand('workbench.actions.view.problems');
      if (choice === log) ctx.log.show();
    });
  return result;
}
