/** Diagnostics for one file: the core's problems, with the workspace-wide rules, as LSP diagnostics. */
import type { Diagnostic } from 'vscode-languageserver';
import type { Problem } from '../../core';
import { toDiagnostic } from '../conversions';
import type { FeatureContext } from '../context';

export function diagnostics(ctx: FeatureContext, uri: string): Diagnostic[] {
  return toDiagnostics(ctx, ctx.docs.problems(uri));
}

/** The problems of one file as LSP diagnostics, for a validation run in steps. */
export function toDiagnostics(ctx: FeatureContext, problems: Problem[]): Diagnostic[] {
  return problems.map((p) => {
    const d = toDiagnostic(p);
    // Related locations name files by canonical URI; the client gets back its own spelling.
    d.relatedInformation?.forEach((r) => (r.location.uri = ctx.docs.clientUri(r.location.uri)));
    return d;
  });
}
