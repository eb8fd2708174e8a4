/**
 * The graph page's "Show component dependencies": what the host laid out for each target (see
 * client/src/graph/dependency-layout.ts), drawn with the page's DOM helpers.
 */
import type { DependencyDiagramView } from '../src/graph/messages';
import { el, svg } from './dom';

/**
 * Each target's components in deploy order (columns are waves, as a rollout runs them) with
 * an arrow from every dependency to what depends on it, and the SHA deployed there.
 */
export function drawDependencies(diagrams: DependencyDiagramView[]): HTMLElement {
  const section = el('section', { id: 'dependencies', 'aria-label': 'Component dependencies' });
  const anyLink = diagrams.some((d) => d.links.length);
  section.append(
    el(
      'p',
      { class: 'summary' },
      anyLink
        ? 'Component dependencies (metadata.depends_on): a rollout deploys each column after the one before it.'
        : 'No component declares metadata.depends_on: a rollout deploys them all in one wave.',
    ),
  );
  for (const d of diagrams) {
    const figure = el('figure', { class: 'dependency-diagram', 'data-target': d.target });
    figure.append(el('figcaption', {}, d.target));
    const root = svg('svg', {
      width: Math.max(d.width, 10),
      height: Math.max(d.height, 10),
      viewBox: `0 0 ${Math.max(d.width, 10)} ${Math.max(d.height, 10)}`,
      role: 'img',
      'aria-label': `Components of ${d.target} and their dependencies`,
    });
    const defs = svg('defs');
    const id = `dep-arrow-${d.target.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const marker = svg('marker', {
      id,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
      class: 'dep-arrow',
    });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(marker);
    root.append(defs);
    for (const l of d.links) {
      const line = svg('path', {
        class: 'dep-link',
        d: l.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '),
        'marker-end': `url(#${id})`,
        'data-from': l.from,
        'data-to': l.to,
      });
      line.append(svg('title', {}, `${l.to} depends on ${l.from}`));
      root.append(line);
    }
    for (const b of d.boxes) {
      const g = svg('g', {
        class: 'dep-box',
        'data-component': b.component,
        transform: `translate(${b.x},${b.y})`,
      });
      g.append(svg('title', {}, `${b.type}/${b.component}`));
      g.append(svg('rect', { width: b.width, height: b.height, rx: 4, ry: 4 }));
      g.append(svg('text', { class: 'cname', x: 8, y: 15 }, b.component));
      g.append(
        svg(
          'text',
          { class: b.sha ? 'sha' : 'none', x: 8, y: 30 },
          `${b.type} · ${b.sha ? b.sha.slice(0, 7) : 'not deployed'}`,
        ),
      );
      root.append(g);
    }
    figure.append(root);
    section.append(figure);
  }
  return section;
}
