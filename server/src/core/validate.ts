/**
 * Validation: every rule over a parsed file. Never throws; a rule that fails on input nobody
 * foresaw reports itself as a problem instead of taking the caller down.
 */
import { buildGraph } from './graph';
import type { DeploymentFile } from './model';
import { parseDeploymentFile } from './parse';
import { compareProblems, problem, type Problem } from './problem';
import { RULES } from './rules';
import { rangeOf } from './text';
import type { WorkspaceIndex } from './workspace';
import type { ParseLimits } from './limits';
import type { AllowedSigners } from './allowed-signers';

export interface ValidateOptions {
  /** The workspace, for the cross-file rule; without it `duplicate-deployment` is not checked. */
  workspace?: WorkspaceIndex;
  /**
   * What `.atmos/allowed_signers` says, read by the caller (the core reads no files); without
   * it `approver-no-key` is not checked.
   */
  allowedSigners?: AllowedSigners;
}

export function validateFile(file: DeploymentFile, options: ValidateOptions = {}): Problem[] {
  if (!file.isDeployment) return [];
  const ctx = {
    file,
    deployment: file.deployment,
    graph: file.deployment ? buildGraph(file.deployment) : undefined,
    workspace: options.workspace,
    allowedSigners: options.allowedSigners,
  };
  const out: Problem[] = [];
  for (const [code, rule] of Object.entries(RULES)) {
    try {
      out.push(...rule(ctx));
    } catch (err) {
      out.push(
        problem(
          'yaml-syntax',
          file.file,
          rangeOf(file.positionAt, 0, 0),
          `Internal error in rule ${code}: ${String(err)}. Please report this with the file.`,
        ),
      );
    }
  }
  return afterSyntaxErrors(out.sort(compareProblems));
}

/**
 * Past a YAML syntax error the parser's recovery guesses at the structure (a key missing its
 * `:` swallows the next line into a name such as `staging promotion`), and rules checking that
 * guess report problems that are not in the file. So from the line of the first syntax error on,
 * only syntax errors are reported, as compilers stop at the first error; the rest come back once
 * the YAML parses. Problems before that line stand.
 */
function afterSyntaxErrors(sorted: Problem[]): Problem[] {
  const first = sorted.find((p) => p.code === 'yaml-syntax' && p.severity === 'error');
  if (!first) return sorted;
  const line = first.range.start.line;
  return sorted.filter((p) => p.code === 'yaml-syntax' || p.range.start.line < line);
}

export function validateText(
  text: string,
  fileName: string,
  options: ValidateOptions & { limits?: ParseLimits } = {},
): Problem[] {
  return validateFile(parseDeploymentFile(text, fileName, options.limits), options);
}
