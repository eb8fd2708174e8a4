/**
 * A code lens above each target that has a promotion rule, one per source:
 * `staging → prod: ready · requires approval`, `up to date`, `blocked: nothing deployed in
 * staging`. The state comes from core's promotionStatus over the live deployed state.
 */
import type { CodeLens } from 'vscode-languageserver';
import { findTarget, promotionStatus, type DeployedState, type EdgeStatus } from '../../core';
import type { FeatureContext } from '../context';
import { toRange } from '../conversions';

/** The command a lens runs in clients that have it (the VS Code client registers it). */
export const PROMOTE_COMMAND = 'atmosDeployments.promote';

export function lensText(e: EdgeStatus): string {
  const state =
    e.state === 'blocked'
      ? `blocked${e.why ? `: ${e.why}` : ''}`
      : e.state === 'ready, requires approval'
        ? 'ready · requires approval'
        : e.state;
  return `${e.from} → ${e.to}: ${state}`;
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
  return promotionStatus(d, state).flatMap((e) => {
    const target = findTarget(d, e.to);
    if (!target) return [];
    const ready = e.state === 'ready' || e.state === 'ready, requires approval';
    return [
      {
        range: toRange(target.keyRange),
        command: {
          title: lensText(e),
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
