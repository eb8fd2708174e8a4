/**
 * The opened file first (issue 18, item 2): in a large workspace the server indexes in the
 * background with work-done progress, the opened file's diagnostics are published before the
 * index is complete, and the cross-file rule (`duplicate-deployment`) is published only once
 * it is, never from a partial index. Ordering is read from the one sequence of messages the
 * server sent (publishes and `$/progress`), not from timings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FULL_CAPABILITIES, Harness, PAYMENT, type ProgressEvent } from './harness';

const FILES = 1500;

interface StatusAnswer {
  deployments: Array<{ name: string; pending?: boolean }>;
}
const OPENED = 'teams/t0/deployments/payment.yaml';
// Sorted before every other file, so a walk that ran the cross-file rule on a partial index
// would already know it when the opened file is validated.
const COPY = 'a-copy/deployments/payment.yaml';
// A local problem (unknown source) the opened file shows from its first publish.
const OPENED_TEXT = PAYMENT.replace('from: dev', 'from: dve');

function workspace(): Record<string, string> {
  const files: Record<string, string> = { [COPY]: PAYMENT };
  for (let i = 0; i < FILES; i++)
    files[`teams/t${i % 20}/deployments/service-${i}.yaml`] = PAYMENT.replace(
      'payment-service',
      `service-${i}`,
    );
  return files;
}

describe('the opened file first, in a workspace of 1,500 files', () => {
  let h: Harness;
  let opened: string;
  let end: ProgressEvent;
  /** The Promotions view's two status requests, sent while the walk is under way. */
  let full: Promise<{ answer: StatusAnswer; seq: number }>;
  let quick: Promise<{ answer: StatusAnswer; seq: number }>;
  before(async () => {
    h = await Harness.start({
      files: workspace(),
      capabilities: { ...FULL_CAPABILITIES, window: { workDoneProgress: true } },
    });
    // Sent right after `initialized`, as an editor restoring its open tabs does.
    opened = await h.open(OPENED, OPENED_TEXT);
    const ask = (params: object) =>
      h
        .request<StatusAnswer>('atmosDeployments/status', params)
        .then((answer) => ({ answer, seq: h.lastSeq }));
    full = ask({});
    quick = ask({ withoutRecords: true });
    end = await h.until(
      () => h.progress.find((p) => p.value.kind === 'end'),
      'the end of the indexing progress',
      60_000,
    );
    await h.diagnostics(opened, (d) => d.some((x) => x.code === 'duplicate-deployment'), 0, 30_000);
  });
  after(() => h.stop());

  test('indexing reports progress: begin, reports, end, under one token', () => {
    const begin = h.progress.find((p) => p.value.kind === 'begin');
    assert.ok(begin, 'a begin');
    assert.match(begin.value.title ?? '', /indexing deployment files/);
    const reports = h.progress.filter((p) => p.value.kind === 'report');
    assert.ok(reports.length > 0, 'at least one report');
    for (const p of [...reports, end]) assert.equal(p.token, begin.token);
    assert.ok(begin.seq < reports[0].seq && reports[reports.length - 1].seq < end.seq);
  });

  test("the opened file's diagnostics arrive before the walk reads any file, without the cross-file rule", () => {
    const first = h.publishes.find((p) => p.uri === opened);
    assert.ok(first, 'the opened file was published');
    // The open arrived before the walk began, so it is answered before the walk reads a file,
    // not in its turn among the 1,500 (the walk reads open files too, from their buffers).
    const begin = h.progress.find((p) => p.value.kind === 'begin')!;
    assert.ok(
      first.seq < begin.seq,
      `first publish of the opened file is message ${first.seq}, the start of indexing ${begin.seq}`,
    );
    assert.ok(
      first.seq < end.seq,
      `first publish of the opened file is message ${first.seq}, the end of indexing ${end.seq}`,
    );
    assert.deepEqual(
      first.diagnostics.map((d) => d.code),
      ['unknown-source'],
    );
  });

  test('duplicate-deployment is published only after the index is complete, for both files', () => {
    const copy = h.uri(COPY);
    for (const uri of [opened, copy]) {
      const withRule = h.publishes.filter(
        (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'duplicate-deployment'),
      );
      assert.ok(withRule.length > 0, `${uri} got duplicate-deployment`);
      assert.ok(
        withRule.every((p) => p.seq > end.seq),
        `${uri}: duplicate-deployment at messages ${withRule.map((p) => p.seq).join(', ')}, the end of indexing at ${end.seq}`,
      );
    }
    const last = h.latest(opened)!;
    assert.deepEqual(last.map((d) => d.code).sort(), ['duplicate-deployment', 'unknown-source']);
    assert.equal(
      last.find((d) => d.code === 'duplicate-deployment')?.relatedInformation?.[0].location.uri,
      copy,
    );
  });

  test('unopened files were published while indexing, with their own problems', () => {
    const unopened = h.publishes.filter((p) => p.uri !== opened && p.uri !== h.uri(COPY));
    // PAYMENT is clean, so an unopened clean file publishes nothing; none gets a false error.
    assert.deepEqual(
      unopened.filter((p) => p.diagnostics.length > 0).map((p) => p.uri),
      [],
    );
  });

  test('the full status, asked while indexing, waits for the index and lists every deployment', async () => {
    const { answer, seq } = await full;
    assert.ok(seq > end.seq, `answered at message ${seq}, the end of indexing at ${end.seq}`);
    // 1,500 services and payment-service (declared twice).
    assert.equal(answer.deployments.length, FILES + 1);
    assert.ok(answer.deployments.every((d) => !d.pending));
  });

  test('the quick status answers at once, from the files read so far', async () => {
    const { answer, seq } = await quick;
    assert.ok(seq < end.seq, `answered at message ${seq}, the end of indexing at ${end.seq}`);
    assert.ok(answer.deployments.length < FILES + 1, `${answer.deployments.length} so far`);
    assert.ok(answer.deployments.every((d) => d.pending));
  });
});
