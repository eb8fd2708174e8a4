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
import type { IndexedFile, WorkspaceIndex } from './workspace';
import type { ParseLimits } from './limits';
import type { AllowedSigners } from './allowed-signers';
import type { RecordedComponents } from './recorded-conflicts';

export interface ValidateOptions {
  /** The workspace, for the cross-file rule; without it `duplicate-deployment` is not checked. */
  workspace?: WorkspaceIndex<IndexedFile>;
  /**
   * What `.atmos/allowed_signers` says, read by the caller (the core reads no files); without
   * it `approver-no-key` is not checked.
   */
  allowedSigners?: AllowedSigners;
  /**
   * The components git has recorded per target of this file's deployment, read by the caller
   * (live state); without it `recorded-component-conflict` is not checked.
   */
  recorded?: RecordedComponents;
}

/** The rules in order, listed once rather than for every file validated. */
const RULE_LIST = Object.entries(RULES);

export function validateFile(file: DeploymentFile, options: ValidateOptions = {}): Problem[] {
  const steps = validationSteps(file, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same validation as `validateFile`, one rule at a time: it yields after building the
 * graph and after each rule, and returns the problems. The language server runs an edit's
 * validation this way so that completion and hover arriving meanwhile are answered between two
 * rules instead of after all of them (at 5,000 targets the rules take tens of milliseconds
 * together), and so that it can drop a validation once a newer edit has made it stale. The
 * caller must not change `file` between steps.
 */
export function* validationSteps(
  file: DeploymentFile,
  options: ValidateOptions = {},
): Generator<void, Problem[], void> {
  if (!file.isDeployment) return [];
  yield;
  const ctx = {
    file,
    deployment: file.deployment,
    graph: file.deployment ? buildGraph(file.deployment) : undefined,
    workspace: options.workspace,
    allowedSigners: options.allowedSigners,
    recorded: options.recorded,
  };
  yield;
  const out: Problem[] = [];
  for (const [code, rule] of RULE_LIST) {
    try {
      for (const p of rule(ctx)) out.push(p);
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
    yield;
  }
  return afterSyntaxErrors(file, out.sort(compareProblems));
}

/**
 * Past a YAML syntax error the parser's recovery guesses at the structure (an unclosed quote
 * swallows the rest of the file into one name, a key missing its `:` turns the next line into a
 * name such as `staging promotion`), and rules checking that guess report problems that are not
 * in the file. So from where the YAML breaks (`DeploymentFile.brokenFrom`, the start of the
 * broken node) on, only syntax errors are reported, as compilers stop at the first error; the
 * rest come back once the YAML parses. Problems that start before that point stand, except
 * those that say something is missing when the broken part may hold it: an unknown source, a
 * missing required key or too few approvers, whose name appears in the text from the break on.
 */
function afterSyntaxErrors(file: DeploymentFile, sorted: Problem[]): Problem[] {
  const first = sorted.find((p) => p.code === 'yaml-syntax' && p.severity === 'error');
  if (!first) return sorted;
  const from = file.brokenFrom;
  const rest = from !== undefined ? file.text.slice(from) : '';
  // A problem on a node that holds the break (`labels: [a, "b` is a list, not a mapping) stands:
  // what it says is true of the text before the break.
  const before = (p: Problem) =>
    from !== undefined ? p.range.start.offset < from : p.range.start.line < first.range.start.line;
  return sorted.filter(
    (p) => p.code === 'yaml-syntax' || (before(p) && !mayBeInBrokenPart(p, rest)),
  );
}

/** True when a problem says something is missing that the broken text may hold. */
function mayBeInBrokenPart(p: Problem, rest: string): boolean {
  const data = p.data as { source?: unknown; key?: unknown } | undefined;
  if (p.code === 'unknown-source' && typeof data?.source === 'string')
    return rest.includes(data.source);
  // A dependency on a component the broken part may declare.
  const dep = (p.data as { dependency?: unknown } | undefined)?.dependency;
  if (p.code === 'unknown-dependency' && typeof dep === 'string')
    return rest.includes(dep.slice(dep.indexOf('/') + 1));
  if (
    p.code === 'schema' &&
    p.message.startsWith('Missing required key') &&
    typeof data?.key === 'string'
  )
    return rest.includes(data.key);
  // "needs approvers" or "more approvals than approvers" counts a list the break may hold.
  if (p.code === 'review-approvers') return rest.includes('approvers');
  return false;
}

export function validateText(
  text: string,
  fileName: string,
  options: ValidateOptions & { limits?: ParseLimits } = {},
): Problem[] {
  return validateFile(parseDeploymentFile(text, fileName, options.limits), options);
}
