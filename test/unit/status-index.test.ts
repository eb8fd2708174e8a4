import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatStatusIndex,
  parseStatusIndex,
  parseStatusIndexRef,
  statusIndexRef,
  STATUS_INDEX_HEADER,
  type StatusIndex,
} from '../../server/src/core';

const SHA = 'a'.repeat(40);

describe('status index format', () => {
  it('reads back what it writes, components in order', () => {
    const index: StatusIndex = {
      deployment: 'payment-service',
      target: 'prod',
      components: {
        worker: {
          sha: SHA,
          tag: 'atmos/deployments/payment-service/prod/worker/2025-01-01T00-00-00Z',
        },
        api: {
          sha: 'b'.repeat(40),
          tag: 't',
          deployed_at: '2025-01-01T00:00:00Z',
          deployed_by: 'a@b.c',
          promoted_from: 'staging',
        },
      },
    };
    const text = formatStatusIndex(index);
    assert.ok(text.startsWith(`${STATUS_INDEX_HEADER}\n`));
    assert.ok(text.indexOf('"api"') < text.indexOf('"worker"'));
    const back = parseStatusIndex(text, 'payment-service', 'prod')!;
    assert.deepEqual(
      { ...back, components: { ...back.components } },
      {
        ...index,
        components: {
          api: { ...index.components.api, last_tag: undefined },
          worker: {
            ...index.components.worker,
            deployed_at: undefined,
            deployed_by: undefined,
            promoted_from: undefined,
            last_tag: undefined,
          },
        },
      },
    );
  });

  it('keeps last_tag only when it differs from tag', () => {
    const one = (last_tag: string) =>
      parseStatusIndex(
        formatStatusIndex({
          deployment: 'd',
          target: 't',
          components: { a: { sha: SHA, tag: 'x', last_tag } },
        }),
        'd',
        't',
      )!.components.a.last_tag;
    assert.equal(one('x'), undefined);
    assert.equal(one('y'), 'y');
  });

  it('refuses another deployment or target, and drops malformed entries', () => {
    const text = formatStatusIndex({
      deployment: 'd',
      target: 't',
      components: { a: { sha: SHA, tag: 'x' } },
    });
    assert.equal(parseStatusIndex(text, 'd', 'other'), undefined);
    assert.equal(parseStatusIndex(text, 'other', 't'), undefined);
    const bad = `${STATUS_INDEX_HEADER}\n${JSON.stringify({
      deployment: 'd',
      target: 't',
      components: {
        short: { sha: 'abc', tag: 'x' },
        notag: { sha: SHA },
        byNumber: { sha: SHA, tag: 'x', deployed_by: 7 },
        __proto__: { sha: SHA, tag: 'proto' },
        ok: { sha: SHA, tag: 'x' },
      },
    })}`;
    const parsed = parseStatusIndex(bad, 'd', 't')!;
    assert.deepEqual(Object.keys(parsed.components).sort(), ['ok']);
    const proto = `${STATUS_INDEX_HEADER}\n{"deployment":"d","target":"t","components":{"__proto__":{"sha":"${SHA}","tag":"p"}}}`;
    const p = parseStatusIndex(proto, 'd', 't')!;
    assert.equal(p.components['__proto__']?.tag, 'p', 'a component named __proto__ is plain data');
    assert.equal(({} as Record<string, unknown>).tag, undefined, 'no prototype was touched');
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (s, v) => {
        parseStatusIndex(s, 'd', 't');
        parseStatusIndex(`${STATUS_INDEX_HEADER}\n${s}`, 'd', 't');
        parseStatusIndex(`${STATUS_INDEX_HEADER}\n${JSON.stringify(v)}`, 'd', 't');
        parseStatusIndex(
          `${STATUS_INDEX_HEADER}\n${JSON.stringify({ deployment: 'd', target: 't', components: v })}`,
          'd',
          't',
        );
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('names one ref per target and parses only that shape', () => {
    assert.equal(statusIndexRef('d', 't'), 'refs/atmos/index/d/t');
    assert.deepEqual(parseStatusIndexRef('refs/atmos/index/d/t'), { deployment: 'd', target: 't' });
    assert.equal(parseStatusIndexRef('refs/atmos/index/d'), undefined);
    assert.equal(parseStatusIndexRef('refs/atmos/index/d/t/x'), undefined);
    assert.equal(parseStatusIndexRef('refs/atmos/deployments/d/t/c'), undefined);
  });
});
