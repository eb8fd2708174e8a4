/**
 * The rows for issue 18 item 6 (big files stay instant): didChange inside one target, which our
 * server splices in (server/src/core/incremental.ts), beside an edit outside every target,
 * which it parses in full, and requests that arrive while an edit is validated.
 */
import type { LspSize } from './cases/lsp';
import { isMeasured, type Metric } from './metric';
import type { TargetCheck } from './report';

const ms = (v: number) => (v < 10 ? v.toFixed(1) : v.toFixed(0));
const mp = (m: Metric | undefined) =>
  isMeasured(m) ? `${ms(m.median)} / ${ms(m.p95)}` : m ? m.unavailable : 'not measured';
const ratio = (a: Metric | undefined, b: Metric | undefined) =>
  isMeasured(a) && isMeasured(b) ? a.median / b.median : undefined;
const rx = (r: number | undefined) => (r === undefined ? 'n/a' : `${r.toFixed(2)}×`);

/** The goal for a request that arrives during a validation, at the largest size. */
export const DURING_EDIT_LIMIT_MS = 50;

export function editTables(sizes: LspSize[]): string[] {
  const L = [
    '',
    'Edits inside one target (a `replicas:` value) are spliced into the previous parse; an edit outside every target (a letter of the `description:` at the top) is parsed in full. *during edit*: completion and hover sent 2 ms after an edit inside one target, so they arrive while it is validated (from the request to its answer).',
    '',
    '| targets | ours didChange in a target | ours didChange outside targets | yls didChange | in a target / yls | outside / yls | outside / floor | completion during edit | hover during edit |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of sizes) {
    const { atmos, yls } = s.servers;
    L.push(
      `| ${s.targets} | ${mp(atmos.didChange)} | ${mp(atmos.didChangeFull)} | ${mp(yls.didChange)} | ${rx(ratio(atmos.didChange, yls.didChange))} | ${rx(ratio(atmos.didChangeFull, yls.didChange))} | ${rx(ratio(atmos.didChangeFull, s.floor))} | ${mp(atmos.completionDuringEdit)} | ${mp(atmos.hoverDuringEdit)} |`,
    );
  }
  return L;
}

export function editTargets(sizes: LspSize[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const s of sizes) {
    if (s.targets < 1000) continue;
    const r = ratio(s.servers.atmos.didChangeFull, s.floor);
    out.push({
      target: `didChange outside any target (full parse) → diagnostics, ${s.targets} targets, vs parse floor`,
      measured: rx(r),
      limit: '≤ 2×',
      met: r === undefined ? 'n/a' : r <= 2 ? 'yes' : 'no',
    });
  }
  const largest = sizes[sizes.length - 1];
  if (!largest) return out;
  for (const op of ['completionDuringEdit', 'hoverDuringEdit'] as const) {
    const m = largest.servers.atmos[op];
    out.push({
      target: `${op === 'completionDuringEdit' ? 'completion' : 'hover'} arriving during the validation of an edit, ${largest.targets} targets`,
      measured: isMeasured(m) ? `${ms(m.median)} ms (p95 ${ms(m.p95)})` : 'n/a',
      limit: `≤ ${DURING_EDIT_LIMIT_MS} ms`,
      met: !isMeasured(m) ? 'n/a' : m.median <= DURING_EDIT_LIMIT_MS ? 'yes' : 'no',
    });
  }
  return out;
}
