/**
 * Places a deployment's components for the graph's "Show component dependencies": one small
 * diagram per target, each component a box in the column of its deploy wave (the server sends
 * the waves, computed by the core as a rollout orders them), an arrow from each dependency to
 * what depends on it, and the SHA deployed there. Positions only: no rule is derived here.
 */
import type { DeploymentInfo } from '../../../server/src/protocol/requests';
import type { DependencyDiagramView, Point } from './messages';

const BOX_WIDTH = 170;
const BOX_HEIGHT = 38;
const COLUMN_GAP = 56;
const ROW_GAP = 14;
const PAD = 14;

export function layoutDependencies(d: DeploymentInfo): DependencyDiagramView[] {
  const deps = d.dependencies ?? [];
  const rowInWave = new Map<number, number>();
  const place = new Map<string, Point>();
  for (const c of deps) {
    const row = rowInWave.get(c.wave) ?? 0;
    rowInWave.set(c.wave, row + 1);
    place.set(c.component, {
      x: PAD + c.wave * (BOX_WIDTH + COLUMN_GAP),
      y: PAD + row * (BOX_HEIGHT + ROW_GAP),
    });
  }
  const columns = Math.max(0, ...deps.map((c) => c.wave + 1));
  const rows = Math.max(0, ...rowInWave.values());
  const width = PAD * 2 + columns * BOX_WIDTH + Math.max(0, columns - 1) * COLUMN_GAP;
  const height = PAD * 2 + rows * BOX_HEIGHT + Math.max(0, rows - 1) * ROW_GAP;
  const links = deps.flatMap((c) =>
    c.dependsOn.flatMap((on) => {
      const from = place.get(on);
      const to = place.get(c.component);
      if (!from || !to) return [];
      const points: Point[] = [
        { x: from.x + BOX_WIDTH, y: from.y + BOX_HEIGHT / 2 },
        { x: to.x, y: to.y + BOX_HEIGHT / 2 },
      ];
      return [{ from: on, to: c.component, points }];
    }),
  );
  return d.targets.map((t) => {
    const sha = new Map(t.components.map((c) => [c.component, c.sha]));
    return {
      target: t.name,
      width,
      height,
      boxes: deps.map((c) => ({
        component: c.component,
        type: c.type,
        sha: sha.get(c.component),
        x: place.get(c.component)!.x,
        y: place.get(c.component)!.y,
        width: BOX_WIDTH,
        height: BOX_HEIGHT,
      })),
      links,
    };
  });
}
