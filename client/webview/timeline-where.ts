/**
 * The timeline page's DOM helpers and its "what was where" section: the time slider and the table
 * of the SHA each target and component ran at the cursor (the core's `whatWasWhere`). Names go
 * into the DOM through textContent and attribute values only, never parsed as HTML.
 */
import { whatWasWhere, type TimelineModel } from '../../server/src/core/timeline';

// The element helpers are the graph page's: one place makes every element of both pages.
import { el } from './dom';

export const short = (sha: string) => sha.slice(0, 7);
export const when = (t: number) =>
  new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** "What was where": the SHA each target and component ran at the cursor. */
export function renderWhere(
  where: HTMLElement,
  model: TimelineModel,
  cursor: number | undefined,
  setCursor: (t: number) => void,
): void {
  where.replaceChildren();
  if (!model.marks.length) return;
  const slider = el('input', {
    id: 'time-slider',
    type: 'range',
    min: String(model.start),
    max: String(model.end),
    step: '1000',
    'aria-label': 'Time',
  });
  slider.value = String(cursor ?? model.end);
  slider.addEventListener('input', () => setCursor(Number(slider.value)));
  const at = cursor ?? model.end;
  where.append(el('h2', { id: 'where-title' }, `What was where at ${when(at)}`), slider);
  const table = el('table', { id: 'where-table' });
  const head = el('tr');
  head.append(
    el('th', {}, 'Target'),
    el('th', {}, 'Component'),
    el('th', {}, 'SHA'),
    el('th', {}, 'Since'),
  );
  table.append(head);
  for (const r of whatWasWhere(model, at)) {
    const tr = el('tr', {
      'data-target': r.target,
      'data-component': r.component,
      'data-sha': r.gitSha ?? '',
    });
    tr.append(el('td', {}, r.target), el('td', {}, r.component));
    tr.append(
      el(
        'td',
        { class: r.gitSha ? 'sha' : 'none' },
        r.gitSha
          ? `${short(r.gitSha)}${r.mark?.subject ? ` ${clip(r.mark.subject, 40)}` : ''}`
          : 'nothing deployed',
      ),
      el('td', {}, r.mark ? r.mark.record.timestamp : ''),
    );
    table.append(tr);
  }
  where.append(table);
}
