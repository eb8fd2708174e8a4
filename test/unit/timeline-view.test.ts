// The promotion timeline's client parts that run without VS Code: the message guards between the
// panel and its page, the Markdown it opens (escaping hostile names), Compare Targets' sentence
// at equal SHAs, and the page's layout, which draws only the visible window.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sameCommitsText } from '../../client/src/commands/compare-text';
import { historyMarkdown, recordMarkdown } from '../../client/src/timeline/markdown';
import { isFromTimeline, isToTimeline } from '../../client/src/timeline/messages';
import {
  indexLinks,
  initialWindow,
  layoutTimeline,
  MAX_DRAWN,
  padded,
} from '../../client/webview/timeline-layout';
import { buildTimeline, type TimelineRecord } from '../../server/src/core/timeline';
import type { HistoryEntry } from '../../server/src/protocol/requests';

const HOSTILE = '<img src=x onerror=alert(1)>|`**x**`';

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    tag: 'atmos/deployments/app/dev/api/2025-01-01T00-00-00Z',
    deployment: 'app',
    target: 'dev',
    component: 'api',
    gitSha: 'a'.repeat(40),
    timestamp: '2025-01-01T00:00:00Z',
    status: 'success',
    deployedBy: 'ana@example.com',
    ...over,
  };
}

describe('timeline message guards', () => {
  it('accepts the page messages the panel acts on', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'refresh' },
      { type: 'markdown' },
      { type: 'open', tag: 'atmos/deployments/app/dev/api/2025-01-01T00-00-00Z' },
    ])
      assert.equal(isFromTimeline(m), true, JSON.stringify(m));
  });

  it('refuses malformed page messages', () => {
    for (const m of [
      undefined,
      null,
      'ready',
      42,
      [],
      {},
      { type: 'nope' },
      { type: 'open' },
      { type: 'open', tag: '' },
      { type: 'open', tag: 7 },
      { type: 'open', tag: ['x'] },
      { type: 'open', tag: 'x'.repeat(5000) },
      { type: 'promote', from: 'dev', to: 'prod' },
    ])
      assert.equal(isFromTimeline(m), false, JSON.stringify(m) ?? String(m));
  });

  it('checks the shape of the host messages', () => {
    const data = { deployment: 'app', targets: [], entries: [], subjects: {}, limit: 10 };
    assert.equal(isToTimeline({ type: 'timeline', data }), true);
    assert.equal(isToTimeline({ type: 'error', message: 'no repository' }), true);
    for (const m of [
      null,
      { type: 'timeline' },
      { type: 'timeline', data: { ...data, entries: 'x' } },
      { type: 'timeline', data: { ...data, subjects: [] } },
      { type: 'timeline', data: { ...data, limit: '10' } },
      { type: 'error' },
      { type: 'graph', view: {} },
    ])
      assert.equal(isToTimeline(m), false, JSON.stringify(m));
  });
});

describe('timeline Markdown', () => {
  it('escapes hostile names in the history table', () => {
    const text = historyMarkdown(HOSTILE, [
      entry({ target: HOSTILE, component: HOSTILE, deployedBy: HOSTILE }),
    ]);
    assert.doesNotMatch(text, /(?<!\\)<img/, 'no unescaped tag');
    assert.ok(text.includes('\\<img src=x onerror=alert(1)\\>\\|\\`\\*\\*x\\*\\*\\`'), text);
    // One row of nine cells: no escaped `|` split it.
    const row = text.split('\n').at(-1) ?? '';
    assert.equal(row.split(/(?<!\\)\|/).length, 11, row);
  });

  it('opens a record with its fields and the commits it brought', () => {
    const previous = entry({ gitSha: 'b'.repeat(40), timestamp: '2024-12-31T00:00:00Z' });
    const text = recordMarkdown(
      entry({ promotedFrom: 'dev', target: 'staging', approver: HOSTILE }),
      `Fix ${HOSTILE}`,
      previous,
    );
    assert.match(text, /^# staging · api: aaaaaaa Fix \\<img/m);
    assert.match(text, /\| From \| promoted from dev \|/);
    assert.ok(text.includes(`git log --oneline ${'b'.repeat(40)}..${'a'.repeat(40)}`));
    assert.doesNotMatch(text, /(?<!\\)<img/, 'no unescaped tag');
  });
});

describe('Compare Targets at equal SHAs', () => {
  it('says the targets run the same commits', () => {
    const sha = 'c'.repeat(40);
    assert.equal(
      sameCommitsText('dev', 'staging', [
        { component: 'api', fromSha: sha, toSha: sha },
        { component: 'worker', fromSha: sha, toSha: sha },
      ]),
      'dev and staging run the same commits (api ccccccc, worker ccccccc).',
    );
  });

  it('says nothing when a SHA differs or a side has nothing deployed', () => {
    const sha = 'c'.repeat(40);
    assert.equal(
      sameCommitsText('dev', 'staging', [{ component: 'api', fromSha: sha, toSha: 'd' }]),
      undefined,
    );
    assert.equal(
      sameCommitsText('dev', 'staging', [{ component: 'api', fromSha: sha }]),
      undefined,
    );
    assert.equal(sameCommitsText('dev', 'staging', []), undefined);
  });
});

describe('timeline layout', () => {
  const targets = ['dev', 'staging', 'prod'];
  const records: TimelineRecord[] = [];
  const base = Date.parse('2025-01-01T00:00:00Z');
  for (let n = 0; n < 3400; n++) {
    const sha = n.toString(16).padStart(40, '0');
    targets.forEach((target, step) => {
      const t = new Date(base + (n * 3 + step) * 3_600_000).toISOString();
      records.push({
        tag: `t/${target}/${t}`,
        target,
        component: 'api',
        gitSha: sha,
        timestamp: t,
        status: 'success',
        deployedBy: 'ci',
        ...(step ? { promotedFrom: targets[step - 1] } : {}),
      });
    });
  }
  records.reverse();
  const model = buildTimeline({ targets, records });
  const links = indexLinks(model);

  it('lays out only the marks in the window it opens with', () => {
    const w = initialWindow(model);
    const lay = layoutTimeline(model, links, w, 1200);
    assert.ok(lay.marks.length >= 200 && lay.marks.length < 220, `${lay.marks.length} marks`);
    assert.ok(lay.marks.every((p) => p.mark.time >= w.from && p.mark.time <= w.to));
    assert.equal(lay.hidden, 0);
    const drawn = new Set(lay.marks.map((p) => p.mark.id));
    assert.ok(lay.links.length > 0);
    assert.ok(lay.links.every((l) => drawn.has(l.link.from) || drawn.has(l.link.to)));
    assert.deepEqual(
      lay.lanes.map((l) => l.name),
      targets,
    );
  });

  it('lays out at most MAX_DRAWN marks of the whole history, and says how many it left out', () => {
    const lay = layoutTimeline(model, links, padded(model.start, model.end), 1200);
    assert.equal(model.marks.length, 10_200);
    assert.equal(lay.marks.length, MAX_DRAWN);
    assert.equal(lay.hidden, 10_200 - MAX_DRAWN);
    assert.equal(lay.marks.at(-1)?.mark.id, model.marks.length - 1, 'the newest are drawn');
  });

  it('labels a mark only where its label fits before the next mark of its row', () => {
    const lay = layoutTimeline(model, links, initialWindow(model), 1200);
    const byRow = new Map<string, number[]>();
    for (const p of lay.marks) {
      if (!p.label) continue;
      const key = `${p.mark.lane}/${p.mark.row}`;
      byRow.set(key, [...(byRow.get(key) ?? []), p.x]);
    }
    for (const xs of byRow.values())
      for (let i = 1; i < xs.length; i++) assert.ok(xs[i] - xs[i - 1] >= 150);
  });
});

describe('timeline page', () => {
  it('never parses a name as HTML: its DOM is built with textContent only', () => {
    for (const file of ['timeline.ts', 'timeline-where.ts']) {
      const page = readFileSync(
        path.join(__dirname, '..', '..', 'client', 'webview', file),
        'utf8',
      );
      for (const sink of [
        'innerHTML',
        'outerHTML',
        'insertAdjacentHTML',
        'document.write',
        'eval(',
      ])
        assert.ok(!page.includes(sink), `${file} uses ${sink}`);
    }
  });
});
