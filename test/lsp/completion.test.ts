/** Completion on fixtures with the cursor at `|`, including half-typed YAML. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CompletionItem, CompletionList } from 'vscode-languageserver-protocol';
import { cursor, Harness } from './harness';

const HEAD = `deployment:
  name: shop
  targets:
    dev: {}
    qa: {}
    staging:
      promotion:
`;

describe('completion', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  async function complete(marked: string): Promise<CompletionItem[]> {
    const { text, position } = cursor(marked);
    // Each file gets its own deployment name: files of one name would share their targets.
    const uri = await h.open(
      `deployments/c${n}.yaml`,
      text.replace('name: shop', `name: shop-${n++}`),
    );
    const r = await h.request<CompletionList | CompletionItem[] | null>('textDocument/completion', {
      textDocument: { uri },
      position,
    });
    const raw = Array.isArray(r) ? r : (r?.items ?? []);
    // Target items carry their documentation through completionItem/resolve, as an editor asks
    // for the item it shows; the file must still be open for that.
    const items: CompletionItem[] = [];
    for (const item of raw) {
      if (!item.data) {
        items.push(item);
        continue;
      }
      assert.equal(item.documentation, undefined, `${item.label} is described only on resolve`);
      items.push(await h.request<CompletionItem>('completionItem/resolve', item));
    }
    await h.close(uri);
    return items;
  }
  const labels = (items: CompletionItem[]) => items.map((i) => i.label).sort();

  test('from: with nothing after it offers the other targets', async () => {
    const items = await complete(`${HEAD}        from: |\n`);
    assert.deepEqual(labels(items), ['dev', 'qa']);
    const dev = items.find((i) => i.label === 'dev')!;
    assert.match(JSON.stringify(dev.documentation), /Entry point/);
    assert.equal((dev.textEdit as { newText: string }).newText, 'dev');
  });

  test('from: with a half-typed word replaces the word', async () => {
    const items = await complete(`${HEAD}        from: d|\n`);
    const dev = items.find((i) => i.label === 'dev')!;
    assert.deepEqual((dev.textEdit as { range: unknown }).range, {
      start: { line: 7, character: 14 },
      end: { line: 7, character: 15 },
    });
  });

  test('from: right after the colon inserts a space', async () => {
    const items = await complete(`${HEAD}        from:|\n`);
    assert.equal((items[0].textEdit as { newText: string }).newText, ' dev');
  });

  test('flow allowed_from excludes the target itself and listed names', async () => {
    assert.deepEqual(labels(await complete(`${HEAD}        allowed_from: [dev, |]\n`)), ['qa']);
    assert.deepEqual(
      labels(await complete(`${HEAD}        allowed_from: [dev, \n`.replace('[dev, ', '[dev, |'))),
      ['qa'],
    );
    assert.deepEqual(labels(await complete(`${HEAD}        allowed_from: [|\n`)), ['dev', 'qa']);
  });

  test('block allowed_from excludes the target itself and listed names', async () => {
    const items = await complete(`${HEAD}        allowed_from:\n          - qa\n          - |\n`);
    assert.deepEqual(labels(items), ['dev']);
    const compact = await complete(`${HEAD}        allowed_from:\n        - |\n        - dev\n`);
    assert.deepEqual(labels(compact), ['qa']);
  });

  test('targets defined after the cursor are offered too', async () => {
    const items = await complete(
      `deployment:\n  name: shop\n  targets:\n    prod:\n      promotion:\n        from: |\n    staging: {}\n`,
    );
    assert.deepEqual(labels(items), ['staging']);
  });

  test('keys of a promotion, without those already present, with documentation', async () => {
    const items = await complete(`${HEAD}        from: dev\n        |\n`);
    assert.deepEqual(labels(items), [
      'allowed_from',
      'approval_method',
      'approvers',
      'min_approvals',
      'requires_approval',
    ]);
    for (const i of items) assert.ok(i.documentation, `${i.label} has documentation`);
  });

  test('keys of a target and of the deployment', async () => {
    const t = await complete(`deployment:\n  name: shop\n  targets:\n    dev:\n      |\n`);
    assert.deepEqual(labels(t), ['context', 'labels', 'promotion', 'vars']);
    const d = await complete(`deployment:\n  name: shop\n  |\n`);
    assert.ok(labels(d).includes('targets') && labels(d).includes('components'));
    assert.ok(!labels(d).includes('name'));
  });

  test('enum and boolean values', async () => {
    assert.deepEqual(labels(await complete(`${HEAD}        approval_method: |\n`)), [
      'manual',
      'review',
    ]);
    assert.deepEqual(labels(await complete(`${HEAD}        requires_approval: |\n`)), [
      'false',
      'true',
    ]);
  });

  test('default_target completes target names', async () => {
    const items = await complete(
      `deployment:\n  name: shop\n  context:\n    default_target: |\n  targets:\n    dev: {}\n    prod: {}\n`,
    );
    assert.deepEqual(labels(items), ['dev', 'prod']);
  });

  test('names from the last good parse when the file no longer parses', async () => {
    const { text, position } = cursor(
      `${HEAD}        from: dev\n    prod:\n      promotion:\n        allowed_from: [qa, |\n`,
    );
    const good = text.replace('[qa, ', '[qa]').replace('[qa]\n', '[qa]\n');
    const uri = await h.open(
      'deployments/lastgood.yaml',
      good.replace('name: shop', 'name: lastgood'),
    );
    await h.diagnostics(uri);
    await h.change(uri, text.replace('name: shop', 'name: lastgood'));
    const r = await h.request<CompletionList>('textDocument/completion', {
      textDocument: { uri },
      position,
    });
    assert.deepEqual(labels(r.items), ['dev', 'staging']);
  });

  test('nothing outside target contexts, and empty for a closed document', async () => {
    assert.deepEqual(labels(await complete(`deployment:\n  name: |\n`)), []);
    const r = await h.request('textDocument/completion', {
      textDocument: { uri: h.uri('deployments/never-opened.yaml') },
      position: { line: 0, character: 0 },
    });
    assert.equal(r, null);
  });
});

/**
 * A client that declares what VS Code's language client declares: list item defaults and
 * `detail` on resolve. Target lists then carry the edit range and the data once, and each item
 * only its label (a list of thousands of targets is a fifth of the bytes); the VS Code client
 * fills the defaults into every item before it resolves one, as `asItem` does below.
 */
describe('completion for a client with list item defaults (VS Code)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      capabilities: {
        textDocument: {
          completion: {
            completionItem: { resolveSupport: { properties: ['documentation', 'detail'] } },
            completionList: { itemDefaults: ['editRange', 'data'] },
          },
        },
      },
    });
  });
  after(() => h.stop());

  async function list(
    marked: string,
    name: string,
  ): Promise<{ uri: string; list: CompletionList }> {
    const { text, position } = cursor(marked);
    const uri = await h.open(
      `deployments/${name}.yaml`,
      text.replace('name: shop', `name: ${name}`),
    );
    const r = await h.request<CompletionList>('textDocument/completion', {
      textDocument: { uri },
      position,
    });
    return { uri, list: r };
  }
  const asItem = (l: CompletionList, item: CompletionItem): CompletionItem => ({
    ...item,
    data: item.data ?? l.itemDefaults?.data,
  });

  test('target items share the edit range and data; resolve adds the detail and documentation', async () => {
    const { uri, list: l } = await list(`${HEAD}        from: d|\n`, 'defaults');
    assert.deepEqual(l.itemDefaults?.editRange, {
      start: { line: 7, character: 14 },
      end: { line: 7, character: 15 },
    });
    assert.deepEqual(
      l.items.map((i) => i.label),
      ['dev', 'qa'],
    );
    for (const item of l.items) {
      assert.equal(item.textEdit, undefined, 'the range comes from the defaults');
      assert.equal(item.data, undefined, 'the data comes from the defaults');
      assert.equal(item.detail, undefined, 'the detail comes from resolve');
    }
    const dev = await h.request<CompletionItem>(
      'completionItem/resolve',
      asItem(
        l,
        l.items.find((i) => i.label === 'dev')!,
      ),
    );
    assert.equal(dev.detail, 'target of defaults');
    assert.match(JSON.stringify(dev.documentation), /Entry point/);
    await h.close(uri);
  });

  test('right after the colon, the text to insert carries the space', async () => {
    const { uri, list: l } = await list(`${HEAD}        from:|\n`, 'spaced');
    assert.equal(l.items.find((i) => i.label === 'dev')?.textEditText, ' dev');
    await h.close(uri);
  });
});
