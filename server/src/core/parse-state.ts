/**
 * What a clean full parse leaves behind for the incremental re-parse of an edit (incremental.ts):
 * the line starts of its text and how many YAML nodes it has. Kept beside the parse, not in the
 * model, because no face reads it; a parse that has problems leaves nothing, so an edit to it is
 * always parsed in full.
 */
import type { ParseLimits } from './limits';
import type { DeploymentFile } from './model';

export interface ParseState {
  lineStarts: number[];
  /** Nodes in the whole document, counted as the `maxNodes` limit counts them. */
  nodeCount: number;
  /** The limits the parse ran with: an edit under other limits is parsed in full. */
  limits: ParseLimits;
}

const states = new WeakMap<DeploymentFile, ParseState>();

export function rememberParse(file: DeploymentFile, state: ParseState): void {
  states.set(file, state);
}

export function parseStateOf(file: DeploymentFile): ParseState | undefined {
  return states.get(file);
}
