// The graph's message guards, in-process: what the page may send the host and the host the page.
// The in-host suite (test/vscode/suite/client.test.js) sends the same kinds to the real panel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFromWebview, isToWebview } from '../../client/src/graph/messages';

describe('webview message guards', () => {
  it('accepts every well-formed message from the page', () => {
    for (const m of [
      { type: 'ready', width: 800 },
      { type: 'resize', width: 0 },
      { type: 'reveal', target: 'staging' },
      { type: 'promote', from: 'dev', to: 'staging' },
      { type: 'exportSvg', svg: '<svg/>' },
      { type: 'requestExport' },
      { type: 'history' },
      { type: 'refresh', extra: 'ignored' },
    ])
      assert.equal(isFromWebview(m), true, JSON.stringify(m));
  });

  it('refuses malformed messages from the page', () => {
    for (const m of [
      undefined,
      null,
      'refresh',
      42,
      [],
      {},
      { type: 'nope' },
      { type: 'ready' },
      { type: 'ready', width: '800' },
      { type: 'resize', width: Number.POSITIVE_INFINITY },
      { type: 'resize', width: -5 },
      { type: 'reveal' },
      { type: 'reveal', target: '' },
      { type: 'reveal', target: 'x'.repeat(5000) },
      { type: 'reveal', target: { toString: () => 'dev' } },
      { type: 'promote', from: 'dev' },
      { type: 'promote', from: 'dev', to: 3 },
      { type: 'exportSvg' },
      { type: 'exportSvg', svg: ['<svg/>'] },
    ])
      assert.equal(isFromWebview(m), false, JSON.stringify(m) ?? String(m));
  });

  it('checks the shape of the host messages the page acts on', () => {
    const view = { nodes: [], edges: [] };
    assert.equal(isToWebview({ type: 'graph', view }), true);
    assert.equal(isToWebview({ type: 'graph', view, highlight: 'dev' }), true);
    assert.equal(isToWebview({ type: 'graph', view: { ...view, dependencies: [] } }), true);
    assert.equal(isToWebview({ type: 'error', message: 'no repository' }), true);
    assert.equal(isToWebview({ type: 'highlight' }), true);
    assert.equal(isToWebview({ type: 'requestSvg' }), true);
    for (const m of [
      null,
      { type: 'graph' },
      { type: 'graph', view: { nodes: 'x', edges: [] } },
      { type: 'graph', view, highlight: 7 },
      { type: 'graph', view: { ...view, dependencies: {} } },
      { type: 'error' },
      { type: 'highlight', target: {} },
      { type: 'other' },
    ])
      assert.equal(isToWebview(m), false, JSON.stringify(m));
  });
});
