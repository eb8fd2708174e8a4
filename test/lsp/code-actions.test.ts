/** Quick fixes: each applied, and the resulting text re-validated by the server. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { applyEdits, editsFor, Harness } from './harness';

describe('code actions', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  /** Opens the text, asks for fixes at the first diagnostic of `code`, returns them. */
  async function fixes(text: string, code: string) {
    const uri = await h.open(`deployments/fix${n}.yaml`, text.replace('name: x', `name: x${n++}`));
    const diags = await h.diagnostics(uri, (d) => d.some((x) => x.code === code));
    const diag = diags.find((d) => d.code === code)!;
    const actions = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag] },
    });
    return { uri, diag, actions: actions.filter((a) => a.diagnostics?.[0]?.code === code) };
  }

  /** Applies an action through the server and returns the diagnostics of the result. */
  async function apply(
    uri: string,
    action: CodeAction,
  ): Promise<{ text: string; diags: Diagnostic[] }> {
    const text = applyEdits(h.text(uri)!, editsFor(action.edit, uri));
    const seq = h.lastSeq;
    await h.change(uri, text);
    return { text, diags: await h.diagnostics(uri, () => true, seq) };
  }

  test('promotion-exclusive: keep from, or keep allowed_from (block and flow styles)', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    qa: {}\n    prod:\n      promotion:\n        from: dev\n        allowed_from: [dev, qa]\n        requires_approval: true\n`;
    const { uri, actions } = await fixes(text, 'promotion-exclusive');
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Keep 'from', remove 'allowed_from'", "Keep 'allowed_from', remove 'from'"],
    );
    const keepFrom = await apply(uri, actions[0]);
    assert.deepEqual(keepFrom.diags, []);
    assert.match(keepFrom.text, /from: dev\n {8}requires_approval: true\n$/);

    const flow = `deployment:\n  name: x\n  targets:\n    dev: {}\n    qa: {}\n    prod: {promotion: {from: dev, allowed_from: [dev, qa]}}\n`;
    const f = await fixes(flow, 'promotion-exclusive');
    const keepAllowed = await apply(f.uri, f.actions[1]);
    assert.deepEqual(keepAllowed.diags, []);
    assert.match(keepAllowed.text, /prod: \{promotion: \{allowed_from: \[dev, qa\]\}\}/);
  });

  test('unknown-source: replace with the nearest name', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: dve\n`;
    const { uri, actions } = await fixes(text, 'unknown-source');
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Replace 'dve' with 'dev'", "Add target 'dve' as an entry point", "Remove 'dve'"],
    );
    assert.equal(actions[0].isPreferred, true);
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
    assert.match(r.text, /from: dev\n$/);
  });

  // With no near name there used to be no fix at all. Each case: the titles offered, and each
  // fix applied leaves a file the server finds nothing wrong with.
  const UNKNOWN = [
    {
      what: 'block from',
      text: `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: zzz\n        requires_approval: true\n`,
      added: /\n {4}zzz: \{\}\n$/,
      removed: /staging:\n {6}promotion:\n {8}requires_approval: true\n$/,
    },
    {
      what: 'only source: the rule goes, staging becomes an entry point',
      text: `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: zzz\n`,
      added: /\n {4}zzz: \{\}\n$/,
      removed: /\n {4}staging:\n$/,
    },
    {
      what: 'flow list',
      text: `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        allowed_from: [dev, zzz]\n`,
      added: /\n {4}zzz: \{\}\n$/,
      removed: /allowed_from: \[dev\]\n$/,
    },
    {
      what: 'block list, indented by two',
      text: `deployment:\n  name: x\n  targets:\n   dev: {}\n   staging:\n     promotion:\n       allowed_from:\n         - dev\n         - zzz\n`,
      added: /\n {3}zzz: \{\}\n$/,
      removed: /allowed_from:\n {9}- dev\n$/,
    },
    {
      what: 'flow targets, no final newline',
      text: `deployment:\n  name: x\n  targets: {dev: {}, staging: {promotion: {allowed_from: [dev, zzz]}}}`,
      added: /staging: \{promotion: \{allowed_from: \[dev, zzz\]\}\}, zzz: \{\}\}$/,
      removed: /allowed_from: \[dev\]\}\}\}$/,
    },
    {
      what: 'a name YAML would read as a number is quoted',
      text: `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        allowed_from: [dev, "42"]\n`,
      added: /\n {4}"42": \{\}\n$/,
      removed: /allowed_from: \[dev\]\n$/,
    },
  ];
  for (const c of UNKNOWN) {
    test(`unknown-source without a near name: add it or remove it (${c.what})`, async () => {
      const source = c.text.includes('42') ? '42' : 'zzz';
      const { uri, actions } = await fixes(c.text, 'unknown-source');
      assert.deepEqual(
        actions.map((a) => a.title),
        [`Add target '${source}' as an entry point`, `Remove '${source}'`],
      );
      const added = await apply(uri, actions[0]);
      assert.match(added.text, c.added);
      assert.deepEqual(added.diags, []);
      await h.change(uri, c.text.replace('name: x', `name: x${n - 1}`));
      const removed = await apply(uri, actions[1]);
      assert.match(removed.text, c.removed);
      assert.deepEqual(removed.diags, []);
    });
  }

  test('unknown-source from another deployment: remove it, never add it as a target', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        allowed_from: [dev, other/prod]\n`;
    const { actions } = await fixes(text, 'unknown-source');
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Remove 'other/prod'"],
    );
  });

  test('promotion-cycle: only the closing edge offers a fix, and it breaks the cycle', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev:\n      promotion:\n        from: staging\n    staging:\n      promotion:\n        from: dev\n`;
    const uri = await h.open(`deployments/fix${n}.yaml`, text.replace('name: x', `name: x${n++}`));
    const diags = await h.diagnostics(uri, (d) => d.length === 2);
    const all = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
      context: { diagnostics: diags },
    });
    const cycleFixes = all.filter((a) => a.diagnostics?.[0]?.code === 'promotion-cycle');
    assert.equal(cycleFixes.length, 1);
    assert.match(cycleFixes[0].title, /^Break the cycle: stop promoting \w+ from \w+$/);
    const r = await apply(uri, cycleFixes[0]);
    assert.deepEqual(r.diags, []);
  });

  test('promotion-cycle: an edge that closes two cycles offers its fix once', async () => {
    // dev → prod → dev and dev → staging → prod → dev both close at dev's `from: prod`.
    const text = `deployment:\n  name: x\n  targets:\n    dev:\n      promotion:\n        from: prod\n    staging:\n      promotion:\n        from: dev\n    prod:\n      promotion:\n        allowed_from: [staging, dev]\n`;
    const uri = await h.open(`deployments/fix${n}.yaml`, text.replace('name: x', `name: x${n++}`));
    const diags = await h.diagnostics(
      uri,
      (d) => d.filter((x) => x.code === 'promotion-cycle' && x.range.start.line === 5).length === 2,
    );
    const closing = diags.filter((x) => x.code === 'promotion-cycle' && x.range.start.line === 5);
    const actions = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: closing[0].range,
      context: { diagnostics: closing },
    });
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Break the cycle: stop promoting dev from prod'],
    );
    assert.equal(actions[0].diagnostics?.length, 2, 'the one fix names both cycles');
  });

  test('promotion-cycle through allowed_from removes just that item', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    qa:\n      promotion:\n        allowed_from:\n          - dev\n          - staging\n    staging:\n      promotion:\n        from: qa\n`;
    const uri = await h.open(`deployments/fix${n}.yaml`, text.replace('name: x', `name: x${n++}`));
    await h.diagnostics(uri, (d) => d.length === 2);
    const all = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 12, character: 0 } },
      context: { diagnostics: [] },
    });
    const fix = all.find((a) => a.diagnostics?.[0]?.code === 'promotion-cycle')!;
    const r = await apply(uri, fix);
    assert.deepEqual(r.diags, []);
    // Exactly one of the two edges is gone, and `dev` stays a source of qa either way.
    const itemGone = !r.text.includes('- staging');
    const fromGone = !r.text.includes('from: qa');
    assert.ok(itemGone !== fromGone, r.text);
    assert.match(r.text, /- dev\n/);
  });

  test('duplicate-source: remove the repeat', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    qa: {}\n    prod:\n      promotion:\n        allowed_from: [dev, qa, dev]\n`;
    const { uri, actions } = await fixes(text, 'duplicate-source');
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
    assert.match(r.text, /allowed_from: \[dev, qa\]\n$/);
  });

  test('unknown-key with a suggestion: rename the key', async () => {
    // Inside promotion: an unknown key is a schema error now (its test is below); outside it,
    // an unknown key stays a warning with the same rename.
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    prod:\n      lables:\n        tier: prod\n`;
    const { uri, actions } = await fixes(text, 'unknown-key');
    assert.equal(actions[0].title, "Rename key 'lables' to 'labels'");
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
  });

  test('no rename when the mapping holds the suggested key already', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    prod:\n      labels: {}\n      lables:\n        tier: prod\n`;
    const { actions } = await fixes(text, 'unknown-key');
    assert.deepEqual(actions, []);
  });

  test('no fixes outside problems, none when only other kinds are asked for', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    dev: {}\n    staging:\n      promotion:\n        from: dve\n`;
    const { uri, diag } = await fixes(text, 'unknown-source');
    const none = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } },
      context: { diagnostics: [] },
    });
    assert.deepEqual(none, []);
    const refactors = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag], only: ['refactor'] },
    });
    assert.deepEqual(refactors, []);
  });

  /** Opens the text and returns the fixes offered at the schema error on line `line` (0-based). */
  async function schemaFixes(text: string, line: number) {
    const uri = await h.open(`deployments/fix${n}.yaml`, text.replace('name: x', `name: x${n++}`));
    const diags = await h.diagnostics(uri, (d) =>
      d.some((x) => x.code === 'schema' && x.range.start.line === line),
    );
    const diag = diags.find((d) => d.code === 'schema' && d.range.start.line === line)!;
    assert.equal(diag.severity, 1, 'a misplaced or unknown promotion key is an error');
    const actions = await h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag] },
    });
    return { uri, diag, actions: actions.filter((a) => a.diagnostics?.[0]?.code === 'schema') };
  }

  test('a promotion key directly under a target moves into a new promotion:', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    staging: {}\n    prod:\n      requires_approval: true\n      labels:\n        tier: prod\n`;
    const { uri, diag, actions } = await schemaFixes(text, 5);
    assert.equal(
      diag.message,
      "'requires_approval' belongs under 'promotion:'; here it does nothing, so prod needs no approval.",
    );
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred]),
      [["Move 'requires_approval' under prod's 'promotion:'", 'quickfix', true]],
    );
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
    assert.match(
      r.text,
      /\n {4}prod:\n {6}promotion:\n {8}requires_approval: true\n {6}labels:\n {8}tier: prod\n$/,
    );
  });

  test('it joins an existing block promotion:, a block list keeping its shape', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    staging: {}\n    prod:\n      approvers:\n        - alice@example.com\n        - bob@example.com\n      promotion:\n          from: staging\n`;
    const { uri, actions } = await schemaFixes(text, 5);
    assert.equal(actions.length, 1);
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
    assert.match(
      r.text,
      /\n {4}prod:\n {6}promotion:\n {10}approvers:\n {12}- alice@example\.com\n {12}- bob@example\.com\n {10}from: staging\n$/,
    );
  });

  test("the move keeps a trailing comment and the file's CRLF line breaks", async () => {
    const text = `deployment:\r\n  name: x\r\n  targets:\r\n    staging: {}\r\n    prod:\r\n      promotion:\r\n        from: staging\r\n      requires_approval: true  # CAB sign-off\r\n`;
    const { uri, actions } = await schemaFixes(text, 7);
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
    assert.equal(
      r.text.replace(/name: x\d+/, 'name: x'),
      `deployment:\r\n  name: x\r\n  targets:\r\n    staging: {}\r\n    prod:\r\n      promotion:\r\n        requires_approval: true  # CAB sign-off\r\n        from: staging\r\n`,
    );
  });

  test('flow style: into an existing promotion mapping, or a new one', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    staging: {}\n    prod: {promotion: {from: staging}, requires_approval: true}\n    qa: {from: staging}\n`;
    const a = await schemaFixes(text, 4);
    const r = await apply(a.uri, a.actions[0]);
    assert.match(r.text, /prod: \{promotion: \{from: staging, requires_approval: true\}\}\n/);
    assert.deepEqual(
      r.diags.map((d) => [d.code, d.range.start.line]),
      [['schema', 5]],
    );
    const b = await schemaFixes(r.text, 5);
    const r2 = await apply(b.uri, b.actions[0]);
    assert.deepEqual(r2.diags, []);
    assert.match(r2.text, /qa: \{promotion: \{from: "staging"\}\}\n$/);
  });

  test('no move when promotion: already has the key', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    staging: {}\n    prod:\n      requires_approval: false\n      promotion:\n        from: staging\n        requires_approval: true\n`;
    const { diag, actions } = await schemaFixes(text, 5);
    assert.equal(
      diag.message,
      "'requires_approval' belongs under 'promotion:'; here it does nothing, so prod's approval comes from its 'promotion:' alone.",
    );
    assert.deepEqual(actions, []);
  });

  test('a misspelt key inside promotion: is an error, renamed by its fix', async () => {
    const text = `deployment:\n  name: x\n  targets:\n    staging: {}\n    prod:\n      promotion:\n        from: staging\n        requires_aproval: true\n`;
    const { uri, diag, actions } = await schemaFixes(text, 7);
    assert.match(
      diag.message,
      /^Unknown key 'requires_aproval' in target 'prod' \(promotion\): it does nothing, so prod needs no approval\. Did you mean 'requires_approval'\?/,
    );
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Rename key 'requires_aproval' to 'requires_approval'"],
    );
    const r = await apply(uri, actions[0]);
    assert.deepEqual(r.diags, []);
  });
});
