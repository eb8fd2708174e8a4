// The git record formats of design section 5: refs, tag names, the tag message layout of the
// spec, and approval notes (one JSON object per line, appended; bound to the exact plan).
// Run: npx tsx --test test/unit/records.test.ts
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import {
  approvalMatches,
  approvalMismatch,
  deploymentRef,
  deploymentRefPrefix,
  formatApprovalLine,
  formatTagMessage,
  isoSeconds,
  newestTagPerComponent,
  notesRef,
  parseApprovalNote,
  parseDeploymentRef,
  parseTagMessage,
  parseTagName,
  tagName,
  tagTimestamp,
  type Approval,
  type ApprovalScope,
  type DeploymentRecord,
} from '../../server/src/core';
import { compareTags, type TagRef } from '../../server/src/rollout/snapshot';

/** Drops keys whose value is undefined: a parsed record sets every optional key. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

const SHA1 = 'abc123def4567890abc123def4567890abc12345';
const SHA2 = '0123456789abcdef0123456789abcdef01234567';

describe('refs', () => {
  test('deployment refs, including a component with one /', () => {
    assert.equal(
      deploymentRef('payment-service', 'staging', 'api'),
      'refs/atmos/deployments/payment-service/staging/api',
    );
    assert.equal(
      deploymentRef('payment-service', 'prod', 'ecs/api'),
      'refs/atmos/deployments/payment-service/prod/ecs/api',
    );
    assert.deepEqual(parseDeploymentRef('refs/atmos/deployments/payment-service/prod/ecs/api'), {
      deployment: 'payment-service',
      target: 'prod',
      component: 'ecs/api',
    });
    assert.equal(deploymentRefPrefix('payment-service'), 'refs/atmos/deployments/payment-service/');
  });

  test('refs that are not deployment refs', () => {
    assert.equal(parseDeploymentRef('refs/heads/main'), undefined);
    assert.equal(parseDeploymentRef('refs/atmos/deployments/payment-service/prod'), undefined);
  });

  test("the approvals notes ref is the spec's atmos/<d>/approvals", () => {
    assert.equal(notesRef('payment-service'), 'refs/notes/atmos/payment-service/approvals');
  });
});

describe('tag names', () => {
  test('tagTimestamp uses the Go layout 2006-01-02T15-04-05Z in UTC', () => {
    assert.equal(tagTimestamp(new Date('2006-01-02T15:04:05.999Z')), '2006-01-02T15-04-05Z');
    assert.equal(tagTimestamp(new Date('2025-01-22T13:00:00+01:00')), '2025-01-22T12-00-00Z');
    assert.match(tagTimestamp(new Date()), /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    assert.equal(isoSeconds(new Date('2025-01-22T12:00:00.500Z')), '2025-01-22T12:00:00Z');
  });

  test('names and their parse, with a sequence for two rollouts in one second', () => {
    const ts = '2025-01-22T12-00-00Z';
    assert.equal(
      tagName('payment-service', 'prod', 'api', ts),
      'atmos/deployments/payment-service/prod/api/2025-01-22T12-00-00Z',
    );
    assert.equal(
      tagName('payment-service', 'prod', 'ecs/api', ts, 2),
      'atmos/deployments/payment-service/prod/ecs/api/2025-01-22T12-00-00Z-2',
    );
    assert.deepEqual(
      parseTagName('refs/tags/atmos/deployments/payment-service/prod/ecs/api/' + ts + '-3'),
      {
        deployment: 'payment-service',
        target: 'prod',
        component: 'ecs/api',
        timestamp: ts,
        seq: 3,
      },
    );
    assert.deepEqual(parseTagName(tagName('d', 't', 'c', ts)), {
      deployment: 'd',
      target: 't',
      component: 'c',
      timestamp: ts,
      seq: 1,
    });
  });

  test('tags that are not deployment tags', () => {
    assert.equal(parseTagName('v1.0.0'), undefined);
    assert.equal(parseTagName('atmos/deployments/d/t/c/not-a-time'), undefined);
    assert.equal(parseTagName('atmos/deployments/d/t/2025-01-22T12-00-00Z'), undefined);
  });
});

describe('tag messages', () => {
  const record: DeploymentRecord = {
    deployment: 'payment-service',
    target: 'prod',
    component: 'api',
    deployed_by: 'ci@example.com',
    build_id: 'abc123',
    git_sha: 'abc123def456789',
    timestamp: '2025-01-22T12:00:00Z',
    status: 'success',
    promoted_from: 'staging',
    promoted_at: '2025-01-22T12:00:00Z',
    metadata: {
      pr: '#482',
      jira: 'PROJ-123',
      approver: 'alice@example.com',
      approval_timestamp: '2025-01-22T11:55:00Z',
    },
  };

  test("the spec's layout, line for line", () => {
    assert.equal(
      formatTagMessage(record),
      [
        'atmos.tools/v1alpha1',
        'kind: Deployment',
        '---',
        'deployment: payment-service',
        'target: prod',
        'component: api',
        'deployed_by: ci@example.com',
        'build_id: abc123',
        'git_sha: abc123def456789',
        'timestamp: 2025-01-22T12:00:00Z',
        'status: success',
        'promoted_from: staging',
        'promoted_at: 2025-01-22T12:00:00Z',
        'metadata:',
        '  pr: "#482"',
        '  jira: PROJ-123',
        '  approver: alice@example.com',
        '  approval_timestamp: 2025-01-22T11:55:00Z',
        '',
      ].join('\n'),
    );
  });

  test('round trip, also for a rollback, a failure and values YAML would mistype', () => {
    assert.deepEqual(plain(parseTagMessage(formatTagMessage(record))), plain(record));
    const odd: DeploymentRecord = {
      ...record,
      status: 'failed',
      build_id: '00123',
      git_sha: '1234567',
      deployed_by: '',
      promoted_from: undefined,
      promoted_at: undefined,
      metadata: { pr: 'true', note: 'line one\nstatus: rolled_back', empty: '' },
      rollback_of: 'atmos/deployments/payment-service/prod/api/2025-01-21T09-00-00Z',
    };
    const text = formatTagMessage(odd);
    assert.ok(!text.includes('promoted_from'), 'absent keys are left out');
    assert.ok(
      text
        .trimEnd()
        .endsWith('rollback_of: atmos/deployments/payment-service/prod/api/2025-01-21T09-00-00Z'),
    );
    assert.deepEqual(plain(parseTagMessage(text)), plain(odd));
  });

  test('an empty metadata map is left out and reads back as {}', () => {
    const text = formatTagMessage({ ...record, metadata: {} });
    assert.ok(!text.includes('metadata'));
    assert.deepEqual(parseTagMessage(text)?.metadata, {});
  });

  test('CRLF and a trailing signature are tolerated', () => {
    const signed = `${formatTagMessage(record)}-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n`;
    assert.deepEqual(plain(parseTagMessage(signed)), plain(record));
    assert.deepEqual(
      plain(parseTagMessage(formatTagMessage(record).replace(/\n/g, '\r\n'))),
      plain(record),
    );
  });

  test('messages that are not deployment records', () => {
    assert.equal(parseTagMessage('release 1.0'), undefined);
    assert.equal(parseTagMessage(''), undefined);
    assert.equal(
      parseTagMessage('atmos.tools/v1alpha1\nkind: Deployment\n---\ndeployment: x\n'),
      undefined,
      'required keys missing',
    );
    assert.equal(
      parseTagMessage('atmos.tools/v1alpha1\nkind: Deployment\n---\n[unclosed'),
      undefined,
    );
    assert.equal(
      parseTagMessage('atmos.tools/v1alpha1\nkind: Deployment\n---\na: &a [*a, *a]\n'),
      undefined,
    );
  });
});

describe('approval notes', () => {
  const approval: Approval = {
    approved_by: 'alice@example.com',
    approved_at: '2025-01-22T12:30:00Z',
    approver_role: 'ops-lead',
    target: 'prod',
    deployment: 'payment-service',
    promoted_from: 'staging',
    components: { api: SHA1, 'ecs/api': SHA2 },
  };
  const scope: ApprovalScope = {
    deployment: 'payment-service',
    target: 'prod',
    promotedFrom: 'staging',
    components: { api: SHA1, 'ecs/api': SHA2 },
  };

  test("one line of JSON with the spec's keys first, in the spec's order", () => {
    const line = formatApprovalLine(approval);
    assert.ok(!line.includes('\n'));
    assert.deepEqual(Object.keys(JSON.parse(line)), [
      'approved_by',
      'approved_at',
      'approver_role',
      'target',
      'deployment',
      'promoted_from',
      'components',
    ]);
    assert.deepEqual(parseApprovalNote(line), { approvals: [approval], invalid: [] });
  });

  test('appended lines are all read, blank lines skipped', () => {
    const second: Approval = { ...approval, target: 'staging', promoted_from: 'dev' };
    const note = `${formatApprovalLine(approval)}\n\n${formatApprovalLine(second)}\n`;
    const parsed = parseApprovalNote(note);
    assert.deepEqual(parsed.approvals, [approval, second]);
    assert.deepEqual(parsed.invalid, []);
  });

  test('tampered or invalid lines are reported by line number and skipped', () => {
    const good = formatApprovalLine(approval);
    const lines = [
      good,
      good.replace(SHA1, 'abc123'),
      '{"approved_by": "mallory"',
      '[]',
      good.replace('"2025-01-22T12:30:00Z"', '"soon"'),
      good.replace('"target":"prod",', ''),
      JSON.stringify({ ...approval, components: undefined }),
    ];
    const parsed = parseApprovalNote(lines.join('\n'));
    assert.deepEqual(parsed.approvals, [approval]);
    assert.deepEqual(parsed.invalid, [
      { line: 2, reason: "'components' holds something other than full SHAs" },
      { line: 3, reason: 'not valid JSON' },
      { line: 4, reason: 'not a JSON object' },
      { line: 5, reason: "'approved_at' is not a time" },
      { line: 6, reason: "missing or non-string 'target'" },
      { line: 7, reason: "missing 'components' (the SHAs it approves)" },
    ]);
  });

  test("the spec's pretty-printed example is read, and refused for binding no SHAs", () => {
    const spec = JSON.stringify(
      {
        approved_by: 'alice@example.com',
        approved_at: '2025-01-22T12:30:00Z',
        approver_role: 'ops-lead',
        target: 'prod',
        deployment: 'payment-service',
        promoted_from: 'staging',
      },
      null,
      2,
    );
    assert.deepEqual(parseApprovalNote(spec), {
      approvals: [],
      invalid: [{ line: 1, reason: "missing 'components' (the SHAs it approves)" }],
    });
    const bound = JSON.stringify(approval, null, 2);
    assert.deepEqual(parseApprovalNote(bound).approvals, [approval]);
  });

  test('an empty note holds nothing', () => {
    assert.deepEqual(parseApprovalNote(''), { approvals: [], invalid: [] });
    assert.deepEqual(parseApprovalNote('\n  \n'), { approvals: [], invalid: [] });
  });

  test('an approval counts only for the same deployment, target, source and SHAs', () => {
    assert.equal(approvalMatches(approval, scope), true);
    assert.equal(approvalMismatch(approval, scope), undefined);
    assert.equal(
      approvalMatches(approval, { ...scope, components: { api: SHA1 } }),
      true,
      'a subset of the approved plan is covered',
    );
    const cases: Array<[ApprovalScope, string]> = [
      [{ ...scope, deployment: 'inventory' }, 'it is for deployment payment-service'],
      [{ ...scope, target: 'staging' }, 'it is for target prod'],
      [{ ...scope, promotedFrom: 'qa' }, 'it approves promotion from staging'],
      [{ ...scope, components: { api: SHA2 } }, 'it approved api at abc123def, not 012345678'],
      [
        { ...scope, components: { ...scope.components, worker: SHA1 } },
        'it does not cover component worker',
      ],
    ];
    for (const [s, why] of cases) {
      assert.equal(approvalMatches(approval, s), false, why);
      assert.equal(approvalMismatch(approval, s), why);
    }
    assert.equal(
      approvalMatches(approval, { ...scope, components: {} }),
      false,
      'an empty plan is never approved',
    );
  });

  test('component names that are object keys elsewhere do not match by accident', () => {
    for (const name of ['constructor', '__proto__', 'toString'])
      assert.equal(approvalMatches(approval, { ...scope, components: { [name]: SHA1 } }), false);
  });
});

describe('parseTagName matches the split-based reading it replaced', () => {
  /** The original implementation, kept as the reference for the faster one. */
  function reference(name: string) {
    const bare = name.startsWith('refs/tags/') ? name.slice('refs/tags/'.length) : name;
    if (!bare.startsWith('atmos/deployments/')) return undefined;
    const parts = bare.slice('atmos/deployments/'.length).split('/');
    if (parts.length < 4) return undefined;
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(?:-(\d+))?$/.exec(parts[parts.length - 1]);
    if (!m) return undefined;
    return {
      deployment: parts[0],
      target: parts[1],
      component: parts.slice(2, -1).join('/'),
      timestamp: m[1],
      seq: m[2] ? Number(m[2]) : 1,
    };
  }

  it('on random names built from the pieces that matter', () => {
    const piece = fc.constantFrom(
      'refs/tags/',
      'atmos/deployments',
      'atmos/deployment',
      '/',
      '//',
      'd',
      'prod',
      'api',
      '2025-01-22T12-00-00Z',
      '2025-01-22T12-00-00Z-3',
      '2025-01-22T12:00:00Z',
      '-',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.string(), (pieces, tail) => {
        for (const name of [pieces.join(''), pieces.join('') + tail])
          assert.deepEqual(parseTagName(name), reference(name), name);
      }),
      { seed: 11, numRuns: 3000 },
    );
  });
});

describe('newestTagPerComponent picks what sorting the parsed names would', () => {
  /** The reading it replaced: parse every name, keep the greatest by `compareTags`. */
  function reference(refs: string[], deployment: string): Map<string, string> {
    const best = new Map<string, TagRef>();
    for (const ref of refs) {
      if (!ref.startsWith('refs/tags/')) continue;
      const parsed = parseTagName(ref);
      if (!parsed || parsed.deployment !== deployment) continue;
      const t: TagRef = { name: ref.slice('refs/tags/'.length), sha: '', parsed };
      const key = `${parsed.target}/${parsed.component}`;
      const seen = best.get(key);
      if (!seen || compareTags(seen, t) < 0) best.set(key, t);
    }
    return new Map([...best].map(([k, t]) => [k, `refs/tags/${t.name}`]));
  }

  it('on random lists, in git name order and shuffled', () => {
    const ref = fc
      .tuple(
        fc.constantFrom('refs/tags/', 'refs/tags/', 'refs/tags/', ''),
        fc.constantFrom('d', 'd', 'e', 'dd'),
        fc.constantFrom('dev', 'prod', ''),
        fc.constantFrom('api', 'ecs/api', 'ecs', '', 'api/x'),
        fc.constantFrom(
          '2025-01-22T12-00-00Z',
          '2025-01-22T12-00-01Z',
          '2024-12-31T23-59-59Z',
          '2025-01-22T12-00-00Z-2',
          '2025-01-22T12-00-00Z-10',
          '2025-01-22T12-00-00Z-1',
          '2025-01-22T12-00-00Z-01',
          '2025-01-22T12-00-00Z-0',
          '2025-01-22T12:00:00Z',
          'latest',
        ),
      )
      .map(([r, d, t, c, s]) => `${r}atmos/deployments/${d}/${t}/${c}/${s}`);
    fc.assert(
      fc.property(fc.array(ref, { maxLength: 40 }), (refs) => {
        const sorted = [...refs].sort();
        assert.deepEqual(newestTagPerComponent(refs, 'd'), reference(refs, 'd'));
        assert.deepEqual(newestTagPerComponent(sorted, 'd'), reference(sorted, 'd'));
      }),
      { seed: 12, numRuns: 3000 },
    );
  });
});
