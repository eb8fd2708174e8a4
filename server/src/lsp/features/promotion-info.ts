/**
 * The read-only custom requests, `atmosDeployments/graph` and `atmosDeployments/status`: a
 * deployment's targets, edges and live state, built from core's graph and promotionStatus.
 */
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import {
  allowedSources,
  buildGraph,
  componentDependencyView,
  componentNames,
  formatAge,
  promotionStatus,
  validateFile,
  type DeployedState,
  type DeploymentFile,
} from '../../core';
import type {
  DeploymentInfo,
  GraphParams,
  GraphResult,
  StatusResult,
  TargetInfo,
} from '../../protocol/requests';
import type { FeatureContext } from '../context';
import { toRange } from '../conversions';
import { canonicalUri } from '../uris';

export async function deploymentInfo(
  ctx: FeatureContext,
  file: DeploymentFile,
  now = new Date(),
  signal?: AbortSignal,
  { records = true }: { records?: boolean } = {},
): Promise<DeploymentInfo | undefined> {
  const d = file.deployment;
  const name = d?.name;
  if (!d || !name) return undefined;
  let state: DeployedState = {};
  if (records) {
    try {
      state = await ctx.live.deployed(name.value, signal);
    } catch (err) {
      // A cancelled request answers that it was cancelled, never an empty state.
      if (signal?.aborted) throw cancelled(err);
      state = {};
    }
  }
  const graph = buildGraph(d);
  const uri = ctx.docs.clientUri(file.file);
  const declared = componentNames(d);
  const targets: TargetInfo[] = graph.order.flatMap((tname) => {
    const t = d.targets.find((x) => x.name === tname);
    if (!t) return [];
    const here = state[tname] ?? {};
    const components = [...new Set([...declared, ...Object.keys(here)])].map((c) => {
      const dc = here[c];
      return dc
        ? {
            component: c,
            sha: dc.sha,
            deployedAt: dc.deployedAt,
            age: formatAge(dc.deployedAt, now),
            deployedBy: dc.deployedBy,
            tag: dc.tag,
            promotedFrom: dc.promotedFrom,
          }
        : { component: c };
    });
    return [
      {
        name: tname,
        uri,
        range: toRange(t.keyRange),
        entryPoint: !t.promotion,
        requiresApproval: !!t.promotion?.requiresApproval,
        sources: allowedSources(t) ?? [],
        components,
      },
    ];
  });
  return {
    name: name.value,
    uri,
    range: toRange(name.range),
    targets,
    // Without the records every edge would read "blocked (nothing deployed)": none is sent.
    edges: (records ? promotionStatus(d, state) : []).map((e) => ({
      from: e.from,
      to: e.to,
      state: e.state,
      label: e.label,
      why: e.why,
      requiresApproval: e.requiresApproval,
      changes: e.changes,
    })),
    cycles: graph.cycles.map((c) => c.path),
    errors: validateFile(file, { workspace: ctx.docs.index }).filter((p) => p.severity === 'error')
      .length,
    dependencies: componentDependencyView(d),
    ...(records ? {} : { pending: true }),
  };
}

export async function graph(ctx: FeatureContext, params: GraphParams): Promise<GraphResult> {
  let file: DeploymentFile | undefined;
  if (params.uri) file = ctx.docs.deployment(canonicalUri(params.uri));
  if (!file && params.deployment) {
    const uri = ctx.docs.filesOf(params.deployment)[0];
    file = uri ? ctx.docs.deployment(uri) : undefined;
  }
  if (!file) return { gitProblem: ctx.live.problem(params.deployment) };
  const deployment = await deploymentInfo(ctx, file);
  return { deployment, gitProblem: ctx.live.problem(deployment?.name) };
}

/** The answer to a cancelled status request, with git's step when a read was stopped. */
function cancelled(err?: unknown): ResponseError<void> {
  const why = err instanceof Error && /^Cancelled before git /.test(err.message) ? err.message : '';
  return new ResponseError(
    LSPErrorCodes.RequestCancelled,
    `Cancelled: the status was not read.${why ? ` ${why}` : ''}`,
  );
}

/**
 * Every deployment's info. A cancelled request stops before it reads the next deployment's live
 * state, and a read it started itself is stopped at once (its git process killed). A read that
 * another view started first is shared through the live-state cache and let finish; a cancelled
 * read is never cached (see `CachedLiveState`).
 */
export async function status(
  ctx: FeatureContext,
  signal?: AbortSignal,
  { records = true }: { records?: boolean } = {},
): Promise<StatusResult> {
  const deployments: DeploymentInfo[] = [];
  const names = ctx.docs.index.deploymentNames();
  // Every deployment's state in one pass over git, rather than one read per deployment.
  if (records) await ctx.live.prefetch?.(names, signal);
  for (const name of names) {
    if (signal?.aborted) throw cancelled();
    const uri = ctx.docs.filesOf(name)[0];
    const file = uri ? ctx.docs.deployment(uri) : undefined;
    const info = file && (await deploymentInfo(ctx, file, new Date(), signal, { records }));
    if (info) deployments.push(info);
  }
  return { deployments, gitProblem: ctx.live.problem() };
}
