/** Settings pulled per workspace folder and applied without a restart. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Harness, PAYMENT } from './harness';

const BROKEN = PAYMENT.replace('from: dev', 'from: dve');

describe('settings', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      files: {
        'deployments/a.yaml': BROKEN,
        'envs/b.yaml': BROKEN.replace('payment-service', 'b'),
      },
    });
  });
  after(() => h.stop());

  test('the files glob decides which files are checked, and a change applies at once', async () => {
    const a = h.uri('deployments/a.yaml');
    const b = h.uri('envs/b.yaml');
    await h.diagnostics(a, (d) => d.length === 1);
    assert.equal(h.latest(b), undefined);
    const seq = h.lastSeq;
    h.settings = { files: 'envs/*.yaml' };
    await h.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await h.diagnostics(b, (d) => d.length === 1, seq);
    await h.diagnostics(a, (d) => d.length === 0, seq);
  });

  test('maxFileSize applies to open documents on the next change', async () => {
    h.settings = { maxFileSize: 100 };
    await h.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const uri = await h.open('deployments/big.yaml', PAYMENT.replace('payment-service', 'big'));
    const d = await h.diagnostics(uri, (x) => x.length > 0);
    assert.match(d[0].message, /above the 0\.0 MB limit, so it was not checked/);
    h.settings = {};
    const seq = h.lastSeq;
    await h.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await h.diagnostics(uri, (x) => x.length === 0, seq);
  });

  test('a settings value of the wrong type falls back to the default', async () => {
    h.settings = { files: 'envs/*.yaml' };
    let seq = h.lastSeq;
    await h.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await h.diagnostics(h.uri('deployments/a.yaml'), (d) => d.length === 0, seq);
    h.settings = { files: 42, maxFileSize: 'big' };
    seq = h.lastSeq;
    await h.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await h.diagnostics(h.uri('deployments/a.yaml'), (d) => d.length === 1, seq);
  });
});

describe('clients without workspace/configuration', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      capabilities: {},
      files: { 'custom/a.yaml': BROKEN },
    });
  });
  after(() => h.stop());

  test('pushed settings in didChangeConfiguration are used', async () => {
    const uri = h.uri('custom/a.yaml');
    await h.conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { atmosDeployments: { files: 'custom/**/*.yaml' } },
    });
    await h.diagnostics(uri, (d) => d.length === 1);
    assert.equal(h.registrations.length, 0, 'nothing is registered with a client that cannot');
  });
});
