/**
 * The graph request answers on the text the client has: an edit that adds a target, and the
 * undo that removes it again, each show in the very next graph, however fast they follow.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Harness, PAYMENT } from './harness';

interface GraphAnswer {
  deployment?: { targets: Array<{ name: string }> };
}

const names = (g: GraphAnswer) => (g.deployment?.targets ?? []).map((t) => t.name).sort();

describe('graph follows edits', () => {
  test('an added target and its undo, with 0 to 300 ms between them', async () => {
    const h = await Harness.start();
    try {
      const uri = await h.open('deployments/payment-service.yaml', PAYMENT);
      const added = `${PAYMENT}    qa:\n      promotion:\n        from: staging\n`;
      const graph = () =>
        h.request<GraphAnswer>('atmosDeployments/graph', { uri, deployment: 'payment-service' });
      const before = names(await graph());
      assert.ok(before.length > 0 && !before.includes('qa'), JSON.stringify(before));
      for (const pause of [0, 5, 50, 130, 300]) {
        await h.change(uri, added);
        await new Promise((r) => setTimeout(r, pause));
        assert.deepEqual(
          names(await graph()),
          [...before, 'qa'].sort(),
          `after the edit (${pause} ms)`,
        );
        await h.change(uri, PAYMENT);
        await new Promise((r) => setTimeout(r, pause));
        assert.deepEqual(names(await graph()), before, `after the undo (${pause} ms)`);
      }
      assert.equal(h.exited, null);
    } finally {
      await h.stop();
    }
  });
});
