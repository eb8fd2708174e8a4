// Runs inside the VS Code extension host of an untrusted workspace (Restricted Mode): the
// manifest declares limited support, validation still works, and every command that writes git
// refuses with an explanation and writes nothing, even when called with complete arguments and
// an approval hook that would say yes.
'use strict';
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const vscode = require('vscode');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';
const DEPLOYMENT = 'payment-service';

async function waitFor(fn, { timeoutMs = 60000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function folder() {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder is open');
  return f.uri;
}

function git(...args) {
  return execFileSync('git', args, { cwd: folder().fsPath, encoding: 'utf8' }).trim();
}

/** Every ref with its object, and the text of every atmos approval note. */
function records() {
  const refs = git('for-each-ref', '--format=%(objectname) %(refname)');
  const notes = git('for-each-ref', '--format=%(refname)', 'refs/notes/')
    .split('\n')
    .filter(Boolean)
    .map((ref) => `${ref}\n${git('notes', `--ref=${ref}`, 'list')}`);
  return { refs, notes, objects: git('count-objects', '-v') };
}

suite('restricted mode', () => {
  let api;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
    assert.ok(api, 'the extension activates in Restricted Mode');
  });

  suiteTeardown(() => api?.setApprovalPrompt(undefined));

  test('the workspace is untrusted, and the manifest declares limited support', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'this host must run in Restricted Mode');
    const pkg = vscode.extensions.getExtension(EXTENSION_ID).packageJSON;
    const u = pkg.capabilities.untrustedWorkspaces;
    assert.strictEqual(u.supported, 'limited');
    assert.match(u.description, /validated/);
    assert.match(u.description, /disabled/);
  });

  test('validation diagnostics still appear', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'deployments', 'broken.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ours = await waitFor(
      () => {
        const d = vscode.languages
          .getDiagnostics(uri)
          .filter((x) => x.source === 'atmos-deployments');
        return d.length ? d : null;
      },
      { what: `atmos-deployments diagnostics on ${uri.path}` },
    );
    console.log(`  diagnostics: ${ours.map((d) => d.code).join(', ')}`);
  });

  test('Promote, Roll Out, Approve and Roll Back refuse with an explanation and write nothing', async () => {
    const head = git('rev-parse', 'HEAD');
    const before = records();
    assert.match(before.refs, /refs\/atmos\/deployments\/payment-service\/dev\//, 'has records');
    const prompts = [];
    api.setApprovalPrompt(async (plan) => {
      prompts.push(plan);
      return true;
    });
    const calls = {
      promote: { deployment: DEPLOYMENT, target: 'prod', from: 'staging' },
      rollOut: { deployment: DEPLOYMENT, target: 'dev', gitSha: head },
      approve: { deployment: DEPLOYMENT, target: 'prod', from: 'staging' },
      rollBack: { deployment: DEPLOYMENT, target: 'dev', to: 'anything' },
    };
    for (const [id, args] of Object.entries(calls)) {
      const r = await vscode.commands.executeCommand(`atmosDeployments.${id}`, args);
      assert.strictEqual(r?.ok, false, `${id} must refuse`);
      assert.strictEqual(r.restricted, true, `${id} refuses because of Restricted Mode`);
      assert.match(r.message, /Restricted Mode/);
      assert.match(r.message, /trust the workspace/);
      assert.match(r.message, /the deploy command setting is ignored/);
    }
    assert.deepStrictEqual(prompts, [], 'no plan was even shown for approval');
    assert.deepStrictEqual(records(), before, 'no ref, tag or note changed');
    const ran = vscode.Uri.joinPath(folder(), 'deployed-in-restricted-mode');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(ran)), 'the deploy command ran');
  });

  test('the deploy command setting is ignored, and its description and the modal say so', () => {
    // The workspace sets it in .vscode/settings.json; Restricted Mode hides that value.
    const value = vscode.workspace.getConfiguration('atmosDeployments').get('deployCommand');
    assert.strictEqual(value, '', 'the workspace deploy command must not apply');
    const pkg = vscode.extensions.getExtension(EXTENSION_ID).packageJSON;
    assert.ok(
      pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(
        'atmosDeployments.deployCommand',
      ),
    );
    const setting = pkg.contributes.configuration.properties['atmosDeployments.deployCommand'];
    assert.match(setting.description, /Ignored in Restricted Mode/);
    const plan = {
      deployment: DEPLOYMENT,
      target: 'staging',
      promotedFrom: 'dev',
      components: [{ component: 'api', sha: 'a'.repeat(40) }],
      requiresApproval: false,
      approved: false,
      nothingToDo: false,
    };
    const text = api.describePlan(plan, { kind: 'promote', restricted: true });
    assert.match(text.detail, /Restricted Mode: the deploy command setting is ignored/);
  });

  test('read-only views still work: the tree lists the deployment', async () => {
    api.tree.refresh();
    const roots = await waitFor(
      async () => {
        const r = await api.tree.getChildren();
        return r.some((n) => n.kind === 'deployment' && n.deployment.name === DEPLOYMENT) && r;
      },
      { what: 'the tree to list payment-service' },
    );
    assert.ok(roots.length >= 1);
  });
});
