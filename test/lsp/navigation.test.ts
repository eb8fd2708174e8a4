/** Hover, definition, references, rename (across two files), document symbols and folding. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { applyEdits, cursor, editsFor, Harness, PAYMENT } from './harness';

describe('hover and navigation', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  async function at(marked: string) {
    const { text, position } = cursor(marked);
    // Each file gets its own deployment name: files of one name share targets and references.
    const uri = await h.open(
      `deployments/n${n}.yaml`,
      text.replace('name: payment-service', `name: payment-service-${n++}`),
    );
    return { uri, position, text };
  }

  test('hover on a target definition: sources, dependents, approval, live state', async () => {
    const { uri, position } = await at(PAYMENT.replace('    staging:', '    stag|ing:'));
    const r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    const md = (r.contents as { value: string }).value;
    assert.match(md, /\*\*staging\*\*: target of deployment `payment-service-\d+`/);
    assert.match(md, /Promoted from: `dev`/);
    assert.match(md, /Promotes to: `prod`/);
    assert.match(md, /No approval needed/);
    assert.match(md, /Nothing is deployed in `staging` yet/);
    assert.match(md, /`dev → staging`: blocked \(nothing deployed in dev\)/);
    assert.deepEqual(r.range, {
      start: { line: 11, character: 4 },
      end: { line: 11, character: 11 },
    });
  });

  test('hover on a reference describes the referenced target, with approval', async () => {
    const { uri, position } = await at(PAYMENT.replace('from: staging', 'from: st|aging'));
    let r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    assert.match((r.contents as { value: string }).value, /\*\*staging\*\*/);
    const p2 = cursor(PAYMENT.replace('    prod:', '    pr|od:')).position;
    r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position: p2 });
    const md = (r.contents as { value: string }).value;
    assert.match(md, /requires approval/);
    assert.match(md, /Nothing is promoted from it/);
  });

  test('hover on a key shows the schema description', async () => {
    const { uri, position } = await at(PAYMENT.replace('requires_approval', 'requires_appr|oval'));
    const r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    const md = (r.contents as { value: string }).value;
    assert.match(md, /\*\*requires_approval\*\* \(boolean\)/);
    assert.match(md, /must be approved before it is deployed/);
  });

  test('definition and references', async () => {
    const { uri, position } = await at(PAYMENT.replace('from: dev', 'from: d|ev'));
    const defs = await h.request<Location[]>('textDocument/definition', {
      textDocument: { uri },
      position,
    });
    assert.deepEqual(defs, [
      { uri, range: { start: { line: 8, character: 4 }, end: { line: 8, character: 7 } } },
    ]);
    const refs = await h.request<Location[]>('textDocument/references', {
      textDocument: { uri },
      position,
      context: { includeDeclaration: true },
    });
    assert.deepEqual(
      refs.map((r) => r.range.start.line),
      [8, 13],
    );
    const onlyRefs = await h.request<Location[]>('textDocument/references', {
      textDocument: { uri },
      position,
      context: { includeDeclaration: false },
    });
    assert.equal(onlyRefs.length, 1);
  });

  test('rename a target across two files of one deployment, quotes kept', async () => {
    const other = `deployment:\n  name: split\n  context:\n    default_target: dev\n  targets:\n    qa:\n      promotion:\n        allowed_from: ["dev"]\n`;
    const b = await h.open('deployments/split-b.yaml', other);
    const {
      uri: a,
      position,
      text,
    } = await at(
      `deployment:\n  name: split\n  targets:\n    d|ev: {}\n    staging:\n      promotion:\n        from: dev\n`,
    );
    const prep = await h.request<{ placeholder: string }>('textDocument/prepareRename', {
      textDocument: { uri: a },
      position,
    });
    assert.equal(prep.placeholder, 'dev');
    const edit = await h.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: a },
      position,
      newName: 'develop',
    });
    const newA = applyEdits(text, editsFor(edit, a));
    const newB = applyEdits(other, editsFor(edit, b));
    assert.match(newA, /^ {4}develop: \{\}$/m);
    assert.match(newA, /from: develop$/m);
    assert.match(newB, /default_target: develop$/m);
    assert.match(newB, /allowed_from: \["develop"\]/);
    assert.ok(!/\bdev\b/.test(newA + newB));
  });

  test('rename refuses names git refs cannot hold, and existing names', async () => {
    const { uri, position } = await at(PAYMENT.replace('    dev:', '    d|ev:'));
    await assert.rejects(
      h.request('textDocument/rename', { textDocument: { uri }, position, newName: 'my env' }),
      /Invalid target name 'my env': it contains a space/,
    );
    await assert.rejects(
      h.request('textDocument/rename', { textDocument: { uri }, position, newName: 'prod' }),
      /already exists/,
    );
    await assert.rejects(
      h.request('textDocument/rename', { textDocument: { uri }, position, newName: 'Prod' }),
      /Target 'prod' differs from 'Prod' only by case, and the two would be one ref file on macOS and Windows/,
    );
    await assert.rejects(
      h.request('textDocument/rename', {
        textDocument: { uri },
        position,
        newName: 'pr\u043Ed',
      }),
      /Invalid target name 'pr\u043Ed': it contains U\+043E CYRILLIC SMALL LETTER O, which is not ASCII/,
    );
  });

  test('prepareRename off a target answers null', async () => {
    const { uri, position } = await at(PAYMENT.replace('components', 'compo|nents'));
    const r = await h.request('textDocument/prepareRename', { textDocument: { uri }, position });
    assert.equal(r, null);
  });

  test('document symbols: deployment → targets, components', async () => {
    const { uri } = await at(`${PAYMENT}|`);
    const [d] = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri },
    });
    assert.match(d.name, /^payment-service-\d+$/);
    const targets = d.children!.find((c) => c.name === 'targets')!;
    assert.deepEqual(
      targets.children!.map((c) => [c.name, c.detail]),
      [
        ['dev', 'entry point'],
        ['staging', 'from dev'],
        ['prod', 'from staging · requires approval'],
      ],
    );
    const components = d.children!.find((c) => c.name === 'components')!;
    assert.deepEqual(
      components.children!.map((c) => [c.name, c.detail]),
      [
        ['api', 'nixpack'],
        ['db', 'terraform'],
      ],
    );
    assert.deepEqual(targets.children![2].range, {
      start: { line: 14, character: 4 },
      end: { line: 17, character: 31 },
    });
  });

  test('folding follows YAML structure', async () => {
    const { uri } = await at(`${PAYMENT}|`);
    const r = await h.request<FoldingRange[]>('textDocument/foldingRange', {
      textDocument: { uri },
    });
    const spans = r.map((f) => `${f.startLine}-${f.endLine}`);
    for (const s of ['0-17', '2-6', '7-17', '8-10', '11-13', '14-17', '15-17'])
      assert.ok(spans.includes(s), `fold ${s} in ${spans.join(' ')}`);
    assert.ok(!spans.includes('4-4'));
  });

  test('requests on unknown or closed documents answer empty', async () => {
    const uri = h.uri('deployments/unknown.yaml');
    const position = { line: 1, character: 3 };
    assert.equal(await h.request('textDocument/hover', { textDocument: { uri }, position }), null);
    assert.deepEqual(
      await h.request('textDocument/definition', { textDocument: { uri }, position }),
      [],
    );
    assert.deepEqual(await h.request('textDocument/documentSymbol', { textDocument: { uri } }), []);
    const { uri: closed } = await at(`${PAYMENT}|`);
    await h.close(closed);
    assert.deepEqual(
      await h.request('textDocument/codeLens', { textDocument: { uri: closed } }),
      [],
    );
  });
});
