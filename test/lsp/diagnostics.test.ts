/**
 * Diagnostics from the real server: the same codes, messages and ranges as core for every
 * broken fixture, cross-file `duplicate-deployment` with an unopened file, watched-file
 * changes, and the debounce latency.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDeploymentFile, validateFile, WorkspaceIndex } from '../../server/src/core';
import { Harness, PAYMENT, REPO_ROOT } from './harness';

const BROKEN = path.join(REPO_ROOT, 'test/fixtures/cli/broken/deployments');

describe('diagnostics', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  for (const name of fs.readdirSync(BROKEN).filter((f) => !f.startsWith('dupdeploy'))) {
    test(`${name}: same codes, messages and ranges as core`, async () => {
      const text = fs.readFileSync(path.join(BROKEN, name), 'utf8');
      const expected = validateFile(parseDeploymentFile(text, 'x'), {
        workspace: new WorkspaceIndex(),
      });
      assert.ok(expected.length > 0, 'the fixture has problems');
      const uri = await h.open(`deployments/${name}`, text);
      const got = await h.diagnostics(uri, (d) => d.length > 0);
      assert.deepEqual(
        got.map((d) => [d.code, d.message, d.range.start, d.range.end, d.source]),
        expected.map((p) => [
          p.code,
          p.message,
          { line: p.range.start.line, character: p.range.start.character },
          { line: p.range.end.line, character: p.range.end.character },
          'atmos-deployments',
        ]),
      );
      for (const d of got) {
        const p = expected.find((e) => e.message === d.message)!;
        assert.equal(d.severity, p.severity === 'error' ? 1 : 2);
        assert.equal(d.relatedInformation?.length ?? 0, p.related?.length ?? 0);
        for (const r of d.relatedInformation ?? []) assert.equal(r.location.uri, uri);
      }
      await h.close(uri);
    });
  }

  test('a clean file publishes an empty list', async () => {
    const uri = await h.open('deployments/clean.yaml', PAYMENT.replace('payment-service', 'clean'));
    assert.deepEqual(await h.diagnostics(uri), []);
  });

  test('an edit after a pause is validated at once; edits in a burst wait for the window', async () => {
    const uri = await h.open(
      'deployments/typing.yaml',
      PAYMENT.replace('payment-service', 'typing'),
    );
    await h.diagnostics(uri);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const seq = h.lastSeq;
      const bad = i % 2 === 0;
      const started = Date.now();
      await h.change(
        uri,
        PAYMENT.replace('payment-service', 'typing').replace(
          'from: dev',
          bad ? 'from: dve' : 'from: dev',
        ),
      );
      await h.diagnostics(uri, (d) => (bad ? d.length === 1 : d.length === 0), seq);
      latencies.push(Date.now() - started);
    }
    console.log(`change → diagnostics latency (ms): ${latencies.join(', ')}`);
    // The first edit follows the open, not another edit: it is validated without waiting.
    assert.ok(latencies[0] < 100, `first edit took ${latencies[0]} ms; it should not wait`);
    // The next edits come right after the previous validation, so they wait out the window.
    assert.ok(Math.min(...latencies.slice(1)) >= 80, 'edits in quick succession are throttled');
    assert.ok(Math.max(...latencies) < 600, 'as-you-type feedback stays well under a second');
  });

  test('a burst of keystrokes is validated at most twice, ending on the latest text', async () => {
    const uri = await h.open('deployments/burst.yaml', PAYMENT.replace('payment-service', 'burst'));
    await h.diagnostics(uri);
    const seq = h.lastSeq;
    const text = PAYMENT.replace('payment-service', 'burst');
    for (let i = 1; i <= 10; i++)
      await h.change(uri, text.replace('from: dev', `from: ${'x'.repeat(i)}`));
    const d = await h.diagnostics(uri, (ds) => ds.some((x) => /'xxxxxxxxxx'/.test(x.message)), seq);
    assert.match(d[0].message, /'xxxxxxxxxx'/);
    const count = h.publishes.filter((p) => p.seq > seq && p.uri === uri).length;
    assert.ok(count >= 1 && count <= 2, `${count} publishes for 10 keystrokes`);
  });
});

describe('workspace-wide diagnostics', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      files: {
        'deployments/a.yaml': PAYMENT,
        'services/x/deployments/b.yaml': PAYMENT,
        'node_modules/pkg/deployments/c.yaml': PAYMENT,
        'notes/readme.yaml': PAYMENT,
      },
    });
  });
  after(() => h.stop());

  test('duplicate-deployment is reported against an unopened file, with related info', async () => {
    const a = h.uri('deployments/a.yaml');
    const b = h.uri('services/x/deployments/b.yaml');
    const da = await h.diagnostics(a, (d) => d.length > 0);
    assert.deepEqual(
      da.map((d) => d.code),
      ['duplicate-deployment'],
    );
    assert.equal(da[0].relatedInformation?.[0].location.uri, b);
    const db = await h.diagnostics(b, (d) => d.length > 0);
    assert.equal(db[0].code, 'duplicate-deployment');
    assert.equal(h.latest(h.uri('node_modules/pkg/deployments/c.yaml')), undefined);
    assert.equal(h.latest(h.uri('notes/readme.yaml')), undefined);
  });

  test('renaming one deployment re-publishes the other file clean', async () => {
    const a = await h.open('deployments/a.yaml', PAYMENT);
    const b = h.uri('services/x/deployments/b.yaml');
    const seq = h.lastSeq;
    await h.change(a, PAYMENT.replace('payment-service', 'payments-two'));
    await h.diagnostics(a, (d) => d.length === 0, seq);
    await h.diagnostics(b, (d) => d.length === 0, seq);
    const seq2 = h.lastSeq;
    await h.change(a, PAYMENT);
    await h.diagnostics(b, (d) => d.length === 1, seq2);
    await h.diagnostics(a, (d) => d.length === 1, seq2);
  });

  test('a file that stops being a deployment file loses its diagnostics', async () => {
    const b = h.uri('services/x/deployments/b.yaml');
    const seq = h.lastSeq;
    h.write('services/x/deployments/b.yaml', 'not_a_deployment: true\n');
    await h.watched([{ uri: b, type: 2 }]);
    await h.diagnostics(b, (d) => d.length === 0, seq);
    await h.diagnostics(h.uri('deployments/a.yaml'), (d) => d.length === 0, seq);
  });

  test('a created file is indexed, a deleted file loses its diagnostics', async () => {
    const c = h.write('deployments/c.yaml', PAYMENT);
    let seq = h.lastSeq;
    await h.watched([{ uri: c, type: 1 }]);
    await h.diagnostics(c, (d) => d[0]?.code === 'duplicate-deployment', seq);
    seq = h.lastSeq;
    fs.rmSync(path.join(h.root, 'deployments/c.yaml'));
    await h.watched([{ uri: c, type: 3 }]);
    await h.diagnostics(c, (d) => d.length === 0, seq);
    await h.diagnostics(h.uri('deployments/a.yaml'), (d) => d.length === 0, seq);
  });

  test('a deleted deployments folder drops every file below it', async () => {
    const d = h.write('other/deployments/d.yaml', PAYMENT);
    let seq = h.lastSeq;
    await h.watched([{ uri: d, type: 1 }]);
    await h.diagnostics(d, (x) => x.length === 1, seq);
    seq = h.lastSeq;
    fs.rmSync(path.join(h.root, 'other/deployments'), { recursive: true });
    await h.watched([{ uri: h.uri('other/deployments'), type: 3 }]);
    await h.diagnostics(d, (x) => x.length === 0, seq);
  });

  test('the server registers file watching dynamically', () => {
    assert.ok(h.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'));
  });
});

describe('clients that cannot watch files', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      capabilities: { workspace: { configuration: true } },
      files: {
        'deployments/a.yaml': PAYMENT,
        'deployments/b.yaml': PAYMENT.replace('payment-service', 'b'),
      },
    });
  });
  after(() => h.stop());

  test('the server watches the deployment folders itself', async () => {
    const a = h.uri('deployments/a.yaml');
    const b = h.uri('deployments/b.yaml');
    await h.until(() => h.logs.find((l) => l.startsWith('Indexed 2 ')), 'the workspace index');
    assert.ok(!h.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'));
    let seq = h.lastSeq;
    h.write('deployments/b.yaml', PAYMENT);
    await h.diagnostics(b, (d) => d[0]?.code === 'duplicate-deployment', seq);
    await h.diagnostics(a, (d) => d[0]?.code === 'duplicate-deployment', seq);
    seq = h.lastSeq;
    fs.rmSync(path.join(h.root, 'deployments/b.yaml'));
    await h.diagnostics(b, (d) => d.length === 0, seq);
    await h.diagnostics(a, (d) => d.length === 0, seq);
  });
});
