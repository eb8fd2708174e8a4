/**
 * Hover on a target name (its definition or a reference): where it may be promoted from, what
 * promotes from it, approval, and what is deployed there now. Hover on a key: the schema's
 * description.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import {
  allowedSources,
  approvalRequirement,
  buildGraph,
  findTarget,
  formatAge,
  promotionStatus,
  type DeployedState,
} from '../../core';
import type { FeatureContext } from '../context';
import { offsetAt, toPosition, toRange } from '../conversions';
import { describe, schemaAt, typeText } from '../schema-nav';
import { targetAt } from '../targets';
import { componentAt, componentDoc } from '../components';
import { keyAt } from '../yaml-context';

export async function hover(
  ctx: FeatureContext,
  uri: string,
  position: Position,
): Promise<Hover | null> {
  const file = ctx.docs.deployment(uri);
  if (!file) return null;
  const offset = offsetAt(file.text, position);
  const at = targetAt(file, offset);
  if (at) {
    const target = findTarget(at.deployment, at.name);
    const graph = buildGraph(at.deployment);
    const dname = at.deployment.name?.value ?? '(unnamed deployment)';
    const lines: string[] = [`**${at.name}**: target of deployment \`${dname}\``, ''];
    if (!target) {
      lines.push(`No target named \`${at.name}\` exists in this deployment.`);
      return { contents: markup(ctx, lines), range: toRange(at.range) };
    }
    const sources = allowedSources(target);
    lines.push(
      sources
        ? `- Promoted from: ${sources.map((s) => `\`${s}\``).join(', ')}`
        : '- Entry point: accepts any commit',
    );
    const next = graph.dependents.get(at.name) ?? [];
    lines.push(
      next.length
        ? `- Promotes to: ${next.map((s) => `\`${s}\``).join(', ')}`
        : '- Nothing is promoted from it',
    );
    const requirement = approvalRequirement(target.promotion);
    lines.push(requirement ? `- Promotion into it ${requirement}` : '- No approval needed');
    lines.push('', ...(await liveLines(ctx, dname, at.name, at.deployment)));
    if (ctx.markdown && ctx.commandLinks && at.deployment.name?.value) {
      // The VS Code client runs it (it trusts this one command in hovers): the timeline.
      const args = encodeURIComponent(JSON.stringify({ deployment: dname, target: at.name }));
      lines.push('', `[Show History](command:atmosDeployments.showHistory?${args})`);
    }
    return { contents: markup(ctx, lines), range: toRange(at.range) };
  }
  const component = componentAt(file, offset);
  if (component)
    return {
      contents: markup(ctx, componentDoc(ctx.docs, file, component.id)),
      range: toRange(component.range),
    };
  const key = keyAt(file.text, offset);
  if (key) {
    const schema = schemaAt([...key.path, key.key]);
    const text = describe(schema);
    if (!text) return null;
    const type = typeText(schema);
    return {
      contents: markup(ctx, [`**${key.key}**${type ? ` (${type})` : ''}`, '', text]),
      range: {
        start: toPosition(file.positionAt(key.start)),
        end: toPosition(file.positionAt(key.end)),
      },
    };
  }
  return null;
}

async function liveLines(
  ctx: FeatureContext,
  deploymentName: string,
  target: string,
  deployment: Parameters<typeof promotionStatus>[0],
): Promise<string[]> {
  let state: DeployedState = {};
  try {
    state = await ctx.live.deployed(deploymentName);
  } catch (err) {
    return [`_Live state unavailable: ${String((err as Error)?.message ?? err)}_`];
  }
  const here = state[target] ?? {};
  const names = Object.keys(here).sort();
  const out: string[] = [];
  if (names.length === 0) {
    const why = ctx.live.problem(deploymentName);
    out.push(`Nothing is deployed in \`${target}\` yet${why ? ` (${why})` : ''}.`);
  } else {
    out.push(`Deployed in \`${target}\`:`, '');
    for (const c of names) {
      const d = here[c];
      const from = d.promotedFrom ? `, promoted from \`${d.promotedFrom}\`` : '';
      const by = d.deployedBy ? ` by ${d.deployedBy}` : '';
      out.push(`- \`${c}\` at \`${d.sha.slice(0, 7)}\`, ${formatAge(d.deployedAt)}${by}${from}`);
    }
  }
  const edges = promotionStatus(deployment, state, target);
  // The edges get their own heading: Markdown joins two lists separated only by a blank line,
  // so without it `dev → staging` rendered as one more component in the deployed list.
  if (edges.length) {
    out.push('', `Promotion into \`${target}\`:`, '');
    out.push(...edges.map((e) => `- \`${e.from} → ${e.to}\`: ${e.label}`));
  }
  return out;
}

/** Markdown for clients that render it; the same text as plain text for those that do not. */
function markup(ctx: FeatureContext, lines: string[]) {
  return {
    kind: ctx.markdown ? MarkupKind.Markdown : MarkupKind.PlainText,
    value: lines.join('\n'),
  };
}
