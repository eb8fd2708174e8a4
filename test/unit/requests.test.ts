/**
 * Approval requests as the core reads them (design section 11): a request ref's chain of
 * commits, already read by git, becomes open, declined, expired or damaged. Damaged entries are
 * reported and ignored; nothing here throws, whatever the commits hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatDuration,
  formatRequestMessage,
  parseDuration,
  readRequestChain,
  requestMatches,
  type ApprovalRequest,
  type RequestCommit,
  type RequestDecline,
} from '../../server/src/core';

const REF = 'refs/atmos/requests/pay/prod';
const NOW = new Date('2026-06-01T12:00:00Z');
const RULE = { approvers: ['alice@example.com', 'bob@example.com'], minApprovals: 1 };
const review = () => RULE;
const manual = () => undefined;

const request: ApprovalRequest = {
  kind: 'request',
  deployment: 'pay',
  target: 'prod',
  promoted_from: 'staging',
  components: { api: 'a'.repeat(40), worker: 'b'.repeat(40) },
  requested_by: 'carol@example.com',
  requested_at: '2026-06-01T11:00:00Z',
  expires_at: '2026-06-02T11:00:00Z',
};

function decline(by: string, reason = 'not today'): RequestDecline {
  return {
    kind: 'decline',
    deployment: 'pay',
    target: 'prod',
    declined_by: by,
    declined_at: '2026-06-01T11:30:00Z',
    reason,
  };
}

/** A chain root → … → tip of commits with these messages and signatures. */
function chain(...entries: Array<{ message: string; status?: string; signer?: string }>) {
  const commits = new Map<string, RequestCommit>();
  let parent: string | undefined;
  entries.forEach((e, i) => {
    const sha = String(i + 1).padStart(40, '0');
    commits.set(sha, {
      sha,
      parents: parent ? [parent] : [],
      status: e.status ?? 'N',
      signer: e.signer ?? '',
      message: e.message,
    });
    parent = sha;
  });
  return { commits, tip: parent! };
}

describe('readRequestChain', () => {
  it('a request alone is open until it expires', () => {
    const { commits, tip } = chain({ message: formatRequestMessage(request) });
    const v = readRequestChain(REF, tip, commits, NOW, review);
    assert.equal(v.state, 'open');
    assert.deepEqual(v.request, request);
    const later = readRequestChain(REF, tip, commits, new Date('2026-06-03T00:00:00Z'), review);
    assert.equal(later.state, 'expired');
  });

  const cases: Array<{
    name: string;
    by: string;
    status: string;
    signer: string;
    counts: boolean;
    why?: RegExp;
  }> = [
    {
      name: 'signed by the listed approver',
      by: 'bob@example.com',
      status: 'G',
      signer: 'bob@example.com',
      counts: true,
    },
    {
      name: 'the requester withdrawing, signed',
      by: 'carol@example.com',
      status: 'G',
      signer: 'carol@example.com',
      counts: true,
    },
    {
      name: 'unsigned',
      by: 'bob@example.com',
      status: 'N',
      signer: '',
      counts: false,
      why: /not signed/,
    },
    {
      name: 'signed by someone else',
      by: 'bob@example.com',
      status: 'G',
      signer: 'alice@example.com',
      counts: false,
      why: /signed by alice@example\.com, not by bob/,
    },
    {
      name: 'a bad signature',
      by: 'bob@example.com',
      status: 'B',
      signer: '',
      counts: false,
      why: /signature is bad/,
    },
    {
      name: 'an untrusted key',
      by: 'bob@example.com',
      status: 'U',
      signer: '',
      counts: false,
      why: /does not list for bob/,
    },
    {
      name: 'not an approver',
      by: 'dave@example.com',
      status: 'G',
      signer: 'dave@example.com',
      counts: false,
      why: /not a listed approver/,
    },
  ];
  for (const c of cases)
    it(`a review decline ${c.name} ${c.counts ? 'counts' : 'is ignored with its reason'}`, () => {
      const { commits, tip } = chain(
        { message: formatRequestMessage(request) },
        { message: formatRequestMessage(decline(c.by)), status: c.status, signer: c.signer },
      );
      const v = readRequestChain(REF, tip, commits, NOW, review);
      assert.equal(v.state, c.counts ? 'declined' : 'open');
      if (c.why) assert.match(v.ignored.join('\n'), c.why);
      else assert.deepEqual(v.ignored, []);
    });

  it('on a manual target anyone may decline, unsigned', () => {
    const { commits, tip } = chain(
      { message: formatRequestMessage(request) },
      { message: formatRequestMessage(decline('dave@example.com')) },
    );
    assert.equal(readRequestChain(REF, tip, commits, NOW, manual).state, 'declined');
  });

  it('damaged entries are reported and ignored', () => {
    const damaged = [
      'no json here',
      '{"kind":"request"',
      '[1,2]',
      JSON.stringify({ ...request, components: { api: 7 } }),
      JSON.stringify({ ...request, kind: 'other' }),
      JSON.stringify({ ...request, target: 'dev' }),
    ];
    for (const message of damaged) {
      const { commits, tip } = chain({ message });
      const v = readRequestChain(REF, tip, commits, NOW, review);
      assert.equal(v.state, 'damaged', message);
      assert.equal(v.ignored.length, 1, message);
    }
    const { commits, tip } = chain(
      { message: formatRequestMessage(request) },
      { message: 'garbage' },
      { message: formatRequestMessage(request) },
    );
    const v = readRequestChain(REF, tip, commits, NOW, review);
    assert.equal(v.state, 'open');
    assert.equal(v.ignored.length, 2);
  });

  it('never throws on arbitrary commit chains, including cycles and missing parents', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            message: fc.oneof(
              fc.string(),
              fc.constant(formatRequestMessage(request)),
              fc.constant(formatRequestMessage(decline('bob@example.com'))),
            ),
            parent: fc.nat(6),
            status: fc.constantFrom('G', 'B', 'U', 'N', 'E', ''),
          }),
          { maxLength: 6 },
        ),
        fc.nat(6),
        (entries, tipIndex) => {
          const sha = (i: number) => String(i).padStart(40, '0');
          const commits = new Map<string, RequestCommit>(
            entries.map((e, i) => [
              sha(i),
              {
                sha: sha(i),
                parents: [sha(e.parent)],
                status: e.status,
                signer: '',
                message: e.message,
              },
            ]),
          );
          const v = readRequestChain(REF, sha(tipIndex), commits, NOW, review);
          assert.ok(['open', 'declined', 'expired', 'damaged'].includes(v.state));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('requestMatches', () => {
  const scope = {
    deployment: 'pay',
    target: 'prod',
    promotedFrom: 'staging',
    components: { worker: 'b'.repeat(40), api: 'a'.repeat(40) },
  };
  it('matches the same plan whatever the component order, and nothing else', () => {
    assert.equal(requestMatches(request, scope), true);
    assert.equal(requestMatches(request, { ...scope, promotedFrom: 'dev' }), false);
    assert.equal(requestMatches(request, { ...scope, components: { api: 'a'.repeat(40) } }), false);
    assert.equal(
      requestMatches(request, {
        ...scope,
        components: { ...scope.components, api: 'c'.repeat(40) },
      }),
      false,
    );
  });
});

describe('durations', () => {
  it('parses what --wait and --poll-interval take, and refuses the rest', () => {
    const table: Array<[string, number | undefined]> = [
      ['1h', 3_600_000],
      ['30m', 1_800_000],
      ['90s', 90_000],
      ['200ms', 200],
      ['1h30m', 5_400_000],
      ['45', 45_000],
      ['1.5s', 1500],
      ['', undefined],
      ['h', undefined],
      ['1x', undefined],
      ['1h 30m', undefined],
      ['-1s', undefined],
    ];
    for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
  });
  it('formats as the spec prints (timeout: 1h) and reads back', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(1000), '1s');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (s) => {
        assert.equal(parseDuration(formatDuration(s * 1000)), s * 1000);
      }),
    );
  });
});
