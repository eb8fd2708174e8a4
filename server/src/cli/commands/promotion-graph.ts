/** `promotion-graph <deployment>`: the graph as the spec draws it, or as JSON, dot or Mermaid. */
import type { Command } from 'commander';
import {
  buildGraph,
  graphToDot,
  graphToJson,
  graphToMermaid,
  graphToText,
  validateFile,
} from '../../core';
import { EXIT } from '../errors';
import type { Output } from '../output';
import { findDeployment, loadWorkspace } from '../workspace';
import { commonOptions, type CommonOptions } from '../options';

export function runPromotionGraph(
  name: string,
  opts: CommonOptions & { format: string },
  output: Output,
): number {
  const ws = loadWorkspace(opts.cwd, opts.limits);
  const file = findDeployment(ws, name);
  const deployment = file.deployment!;
  const graph = buildGraph(deployment);
  const errors = validateFile(file, { workspace: ws.index }).filter((p) => p.severity === 'error');
  if (errors.length)
    output.err(
      `${file.file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; run \`atmos-deployments validate ${file.file}\`. The graph shows what can be read.`,
    );
  if (opts.format === 'json') output.out(JSON.stringify(graphToJson(deployment, graph), null, 2));
  else if (opts.format === 'dot') output.out(graphToDot(deployment, graph));
  else if (opts.format === 'mermaid') output.out(graphToMermaid(deployment, graph));
  else output.out(graphToText(deployment, graph));
  return EXIT.ok;
}

export function registerPromotionGraph(
  program: Command,
  output: Output,
  setExit: (code: number) => void,
): void {
  commonOptions(
    program
      .command('promotion-graph')
      .description('Draw the promotion graph of a deployment.')
      .argument('<deployment>', 'deployment name'),
    ['text', 'json', 'dot', 'mermaid'],
  ).action((name: string, opts) => setExit(runPromotionGraph(name, opts, output)));
}
