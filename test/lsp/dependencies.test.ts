/**
 * `metadata.depends_on` in the editor, over the real server: the two diagnostics at their
 * entries, completion of `<type>/<name>` ids, hover, definition and references.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Hover,
  Location,
} from 'vscode-languageserver-protocol';
import { cursor, Harness } from './harness';

const APP = `deployment:
  name: app
  components:
    terraform:
      vpc: {}
      ecr/api:
        metadata: { depends_on: [terraform/vpc] }
    helmfile:
      api:
        metadata:
          depends_on:
            - terraform/ecr/api
  targets:
    dev: {}
`;

describe('component dependencies in the editor', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  async function open(marked: string) {
    const { text, position } = marked.includes('|')
      ? cursor(marked)
      : { text: marked, position: { line: 0, character: 0 } };
    // Each file gets its own deployment name: files of one name share their components.
    const uri = await h.open(
      `deployments/d${n}.yaml`,
      text.replace('name: app', `name: app-${n++}`),
    );
    return { uri, position, text };
  }

  test('an unknown dependency and a cycle are errors on their entries', async () => {
    const { uri } = await open(APP.replace('[terraform/vpc]', '[terraform/vcp, helmfile/api]'));
    const d = await h.diagnostics(uri, (x) => x.length >= 3);
    const brief = d
      .map(
        (x) =>
          `${String(x.code)} ${x.range.start.line}:${x.range.start.character}-${x.range.end.character}`,
      )
      .sort();
    assert.deepEqual(brief, [
      'dependency-cycle 11:14-31',
      'dependency-cycle 6:48-60',
      'unknown-dependency 6:33-46',
    ]);
  });

  test('a quick fix replaces an unknown dependency with the component it most likely means', async () => {
    const { uri } = await open(APP.replace('[terraform/vpc]', '[vpc]'));
    const [d] = await h.diagnostics(uri, (x) => x.length === 1);
    assert.equal(d.code, 'unknown-dependency');
    const actions = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d] },
    });
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Replace 'vpc' with 'terraform/vpc'"],
    );
    const edit = actions[0].edit!.changes![uri][0];
    assert.deepEqual(edit.newText, 'terraform/vpc');
    assert.deepEqual(edit.range, d.range);
  });

  test('completion offers the other components, not the one edited nor those listed', async () => {
    const { uri, position } = await open(
      APP.replace(
        '            - terraform/ecr/api\n',
        '            - terraform/ecr/api\n            - |\n',
      ),
    );
    const r = await h.request<CompletionList | CompletionItem[]>('textDocument/completion', {
      textDocument: { uri },
      position,
    });
    const items = Array.isArray(r) ? r : r.items;
    assert.deepEqual(
      items.map((i) => i.label),
      ['terraform/vpc'],
    );
    const flow = await open(
      APP.replace(
        'metadata: { depends_on: [terraform/vpc] }',
        'metadata:\n          depends_on: [terraform/vpc, |]',
      ),
    );
    const r2 = await h.request<CompletionList>('textDocument/completion', {
      textDocument: { uri: flow.uri },
      position: flow.position,
    });
    assert.deepEqual(
      r2.items.map((i) => i.label),
      ['helmfile/api'],
    );
  });

  test('hover on an entry says what the component depends on and what depends on it', async () => {
    const { uri, position } = await open(
      APP.replace('- terraform/ecr/api', '- terraform/ec|r/api'),
    );
    const r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    const md = (r.contents as { value: string }).value;
    assert.match(md, /\*\*ecr\/api\*\*: terraform component of deployment `app-\d+`/);
    assert.match(md, /Deployed after: `terraform\/vpc`/);
    assert.match(md, /Deployed before: `helmfile\/api`/);
  });

  test('definition goes to the component; references list every entry naming it', async () => {
    const { uri, position } = await open(APP.replace('[terraform/vpc]', '[terraform/v|pc]'));
    const defs = await h.request<Location[]>('textDocument/definition', {
      textDocument: { uri },
      position,
    });
    assert.deepEqual(
      defs.map((l) => `${l.range.start.line}:${l.range.start.character}`),
      ['4:6'],
    );
    const def = await open(APP.replace('      vpc: {}', '      v|pc: {}'));
    const refs = await h.request<Location[]>('textDocument/references', {
      textDocument: { uri: def.uri },
      position: def.position,
      context: { includeDeclaration: true },
    });
    assert.deepEqual(
      refs.map((l) => `${l.range.start.line}:${l.range.start.character}`),
      ['4:6', '6:33'],
    );
  });

  test('the graph request carries each component with its dependencies and wave', async () => {
    const { uri } = await open(APP);
    await h.diagnostics(uri, () => true);
    const r = await h.request<{
      deployment?: {
        dependencies?: Array<{
          component: string;
          type: string;
          dependsOn: string[];
          wave: number;
        }>;
      };
    }>('atmosDeployments/graph', { uri });
    assert.deepEqual(r.deployment?.dependencies, [
      { component: 'vpc', type: 'terraform', dependsOn: [], wave: 0 },
      { component: 'ecr/api', type: 'terraform', dependsOn: ['vpc'], wave: 1 },
      { component: 'api', type: 'helmfile', dependsOn: ['ecr/api'], wave: 2 },
    ]);
  });
});
