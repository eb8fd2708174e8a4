/**
 * A code lens above each target that has a promotion rule, one per source, as design section 7
 * draws it: `staging → prod: 3 commits ahead · requires approval`, `up to date`, `blocked:
 * nothing deployed in staging`. The state comes from core's promotionStatus over the live
 * deployed state; the count from one `git rev-list --count` per ready edge, cached with the live
 * state until the refs change, and left out (`ready`) where git cannot tell or the target has
 * nothing deployed yet.
 */
import type { CodeLens } from 'vscode-languageserver';
import { findTarget, promotionStatus, type DeployedState, type EdgeStatus } from '../../core';
import { commitsAheadText } from '../../rollout';
import type { FeatureContext } from '../context';
import { toRange } from '../conversions';

/** The command a lens runs in clients that have it (the VS Code client registers it). */
export const PROMOTE_COMMAND = 'atmosDeployments.promote';

export function lensText(e: EdgeStatus, commitsAhead?: number): string {
  const approval = e.state === 'ready, requires approval' ? ' · requires approval' : '';
  const state =
    e.state === 'blocked'
      ? `blocked${e.why ? `: ${e.why}` : ''}`
      : e.state === 'up to date'
        ? e.state
        : `${aheadText(e, commitsAhead)}${approval}`;
  return `${e.from} → ${e.to}: ${state}`;
}

/**
 * `3 commits ahead`; `ready` when git cannot tell; and, when the source has nothing the target
 * lacks (the target runs newer commits), says so, since promoting would move the target back.
 */
function aheadText(e: EdgeStatus, commitsAhead: number | undefined): string {
  if (commitsAhead === undefined) return 'ready';
  if (commitsAhead === 0) return `${e.to} runs newer commits`;
  return commitsAheadText(commitsAhead);
}

/** Commits the source runs that the target does not, for a ready edge whose target runs something. */
async function aheadOf(ctx: FeatureContext, name: string, e: EdgeStatus) {
  const moving = e.changes.filter((c) => c.sourceSha && c.targetSha && c.sourceSha !== c.targetSha);
  if (moving.length === 0) return undefined;
  return ctx.live.commitsAhead(
    name,
    [...new Set(moving.map((c) => c.targetSha!))],
    [...new Set(moving.map((c) => c.sourceSha!))],
  );
}

export async function codeLenses(ctx: FeatureContext, uri: string): Promise<CodeLens[]> {
  const file = ctx.docs.deployment(uri);
  const d = file?.deployment;
  if (!file || !d) return [];
  let state: DeployedState = {};
  const name = d.name?.value;
  if (name !== undefined) {
    try {
      state = await ctx.live.deployed(name);
    } catch {
      // Without live state every edge shows as blocked; the hover explains why.
      state = {};
    }
  }
  const edges = promotionStatus(d, state);
  const ahead = await Promise.all(
    edges.map((e) =>
      name !== undefined && e.state !== 'blocked' && e.state !== 'up to date'
        ? aheadOf(ctx, name, e)
        : undefined,
    ),
  );
  return edges.flatMap((e, i) => {
    const target = findTarget(d, e.to);
    if (!target) return [];
    const ready = e.state === 'ready' || e.state === 'ready, requires approval';
    return [
      {
        range: toRange(target.keyRange),
        command: {
          title: lensText(e, ahead[i]),
          // A lens that cannot act still needs a command object; an empty id makes it plain text.
          command: ready && name !== undefined ? PROMOTE_COMMAND : '',
          arguments:
            ready && name !== undefined
              ? [{ deployment: name, target: e.to, from: e.from }]
              : undefined,
        },
      },
    ];
  });
}
