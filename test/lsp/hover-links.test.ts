/**
 * The hover of a target ends with a Show History link (the promotion timeline) only for a client
 * that says it follows `command:` links (`initializationOptions.commandLinks`, the VS Code
 * client); any other editor would show a link that goes nowhere.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Hover } from 'vscode-languageserver-protocol';
import { cursor, Harness } from './harness';

const FILE = `deployment:
  name: shop
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
`;

async function hoverStaging(h: Harness): Promise<string> {
  const uri = await h.open('deployments/shop.yaml', FILE);
  const { position } = cursor(FILE.replace('    staging:', '    stag|ing:'));
  const r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
  return (r.contents as { value: string }).value;
}

describe('hover: Show History link', () => {
  const started: Harness[] = [];
  after(async () => {
    for (const h of started) await h.stop();
  });

  test('a client that follows command links gets the link, with the target', async () => {
    const h = await Harness.start({ initializationOptions: { commandLinks: true } });
    started.push(h);
    const md = await hoverStaging(h);
    const args = encodeURIComponent(JSON.stringify({ deployment: 'shop', target: 'staging' }));
    assert.ok(md.includes(`[Show History](command:atmosDeployments.showHistory?${args})`), md);
  });

  test('any other client gets no link', async () => {
    const h = await Harness.start();
    started.push(h);
    const md = await hoverStaging(h);
    assert.match(md, /\*\*staging\*\*: target of deployment `shop`/);
    assert.doesNotMatch(md, /command:/);
  });
});
