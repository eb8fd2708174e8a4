// The promotion timeline's model (server/src/core/timeline.ts): lanes in promotion order, one mark
// per record, links from the source lane's record of a SHA, and what ran where at a moment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTimeline, whatWasWhere, type TimelineRecord } from '../../server/src/core/timeline';

function rec(
  target: string,
  component: string,
  gitSha: string,
  timestamp: string,
  extra: Partial<TimelineRecord> = {},
): TimelineRecord {
  return {
    tag: `atmos/deployments/app/${target}/${component}/${timestamp.replace(/:/g, '-')}`,
    target,
    component,
    gitSha,
    timestamp,
    status: 'success',
    deployedBy: 'ana',
    ...extra,
  };
}

// Newest first, as history lists them.
const records: TimelineRecord[] = [
  rec('prod', 'api', 'b'.repeat(40), '2025-01-05T00:00:00Z', {
    promotedFrom: 'staging',
    status: 'failed',
  }),
  rec('staging', 'api', 'b'.repeat(40), '2025-01-04T00:00:00Z', { promotedFrom: 'dev' }),
  rec('dev', 'api', 'b'.repeat(40), '2025-01-03T00:00:00Z'),
  rec('staging', 'api', 'a'.repeat(40), '2025-01-02T00:00:00Z', { promotedFrom: 'dev' }),
  rec('dev', 'web', 'c'.repeat(40), '2025-01-01T12:00:00Z'),
  rec('dev', 'api', 'a'.repeat(40), '2025-01-01T00:00:00Z'),
  rec('old-qa', 'api', 'a'.repeat(40), 'not a time'),
];

describe('promotion timeline model', () => {
  const model = buildTimeline({
    targets: ['dev', 'staging', 'prod'],
    records,
    subjects: { ['a'.repeat(40)]: 'Add login' },
  });

  it('has one lane per target in promotion order, recorded-only targets after', () => {
    assert.deepEqual(model.lanes, ['dev', 'staging', 'prod', 'old-qa']);
    assert.deepEqual(model.components, ['api', 'web']);
  });

  it('has one mark per dated record, oldest first, with its subject', () => {
    assert.equal(model.marks.length, 6);
    assert.equal(model.undated, 1);
    assert.deepEqual(
      model.marks.map((m) => `${model.lanes[m.lane]}/${model.components[m.row]}`),
      ['dev/api', 'dev/web', 'staging/api', 'dev/api', 'staging/api', 'prod/api'],
    );
    assert.equal(model.marks[0].subject, 'Add login');
    assert.equal(model.marks[1].subject, undefined);
    assert.equal(model.marks[5].moved, false, 'a failed rollout moved nothing');
  });

  it('links each promotion to the source lane record of the same SHA', () => {
    const names = model.links.map(
      (l) =>
        `${model.marks[l.from].record.target}@${model.marks[l.from].record.timestamp} → ${model.marks[l.to].record.target}@${model.marks[l.to].record.timestamp}`,
    );
    assert.deepEqual(names, [
      'dev@2025-01-01T00:00:00Z → staging@2025-01-02T00:00:00Z',
      'dev@2025-01-03T00:00:00Z → staging@2025-01-04T00:00:00Z',
      // The failed promotion into prod is still a promotion that was tried.
      'staging@2025-01-04T00:00:00Z → prod@2025-01-05T00:00:00Z',
    ]);
  });

  it('says what was where at a moment, a failed rollout leaving the old SHA', () => {
    const at = (t: string) =>
      Object.fromEntries(
        whatWasWhere(model, Date.parse(t)).map((r) => [
          `${r.target}/${r.component}`,
          r.gitSha?.[0] ?? '-',
        ]),
      );
    assert.deepEqual(at('2024-12-31T00:00:00Z'), {
      'dev/api': '-',
      'dev/web': '-',
      'staging/api': '-',
      'staging/web': '-',
      'prod/api': '-',
      'prod/web': '-',
      'old-qa/api': '-',
      'old-qa/web': '-',
    });
    const jan2 = at('2025-01-02T00:00:00Z');
    assert.equal(jan2['dev/api'], 'a');
    assert.equal(jan2['dev/web'], 'c');
    assert.equal(jan2['staging/api'], 'a', 'a record at exactly t counts');
    const jan6 = at('2025-01-06T00:00:00Z');
    assert.equal(jan6['dev/api'], 'b');
    assert.equal(jan6['staging/api'], 'b');
    assert.equal(jan6['prod/api'], '-', 'the failed rollout into prod put nothing there');
  });

  it('filters by component', () => {
    const web = buildTimeline({ targets: ['dev', 'staging'], records, component: 'web' });
    assert.deepEqual(web.components, ['web']);
    assert.equal(web.marks.length, 1);
    assert.equal(web.links.length, 0);
  });

  it('keeps hostile names as data', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const m = buildTimeline({
      targets: [evil],
      records: [rec(evil, evil, 'd'.repeat(40), '2025-01-01T00:00:00Z')],
    });
    assert.deepEqual(m.lanes, [evil]);
    assert.deepEqual(m.components, [evil]);
  });

  it('builds an empty model from no records', () => {
    const m = buildTimeline({ targets: ['dev'], records: [] });
    assert.deepEqual([m.marks.length, m.links.length, m.start, m.end], [0, 0, 0, 0]);
    assert.deepEqual(whatWasWhere(m, Date.now()), []);
  });
});
