// Approval requests in the real VS Code (design section 11, issue 15 item 5), with two people:
// carol asks with the CLI (`rollout --wait`, her own git identity, waiting in the background)
// and the editor's git identity reviews. The request must reach the Promotions view, the status
// bar and a notification; Approve from the command lets carol's waiting rollout deploy, and
// Decline ends another one with exit 1. Needs the git workspace of ui-drive.test.mjs.
'use strict';
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const path = require('node:path');
const vscode = require('vscode');
const { waitFor, folder, git } = require('./helpers');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';
const DEPLOYMENT = 'payment-service';
const CAROL = {
  GIT_AUTHOR_NAME: 'carol',
  GIT_AUTHOR_EMAIL: 'carol@example.com',
  GIT_COMMITTER_NAME: 'carol',
  GIT_COMMITTER_EMAIL: 'carol@example.com',
};

function isGitRepo() {
  try {
    return git('rev-parse', '--is-inside-work-tree') === 'true' && !!git('rev-parse', 'HEAD');
  } catch {
    return false;
  }
}

/** carol's `rollout --wait` for prod, running until an approval or a decline ends it. */
function carolWaits(cli) {
  const child = spawn(
    process.execPath,
    [
      cli,
      'rollout',
      DEPLOYMENT,
      '--target',
      'prod',
      '--promote-from',
      'staging',
      '--wait',
      '2m',
      '--poll-interval',
      '200ms',
    ],
    { cwd: folder(), env: { ...process.env, ...CAROL }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const done = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return { child, done, out: () => out };
}

const requestRef = `refs/atmos/requests/${DEPLOYMENT}/prod`;
const hasRequest = () => git('for-each-ref', '--format=%(refname)', requestRef) === requestRef;

suite('approval requests', () => {
  let api;
  let cli;
  const waiting = [];
  suiteSetup(async function () {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    api = await ext.activate();
    cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    await waitFor(() => api.session.running, { what: 'the language server' });
    if (!isGitRepo()) {
      console.log('  skipped: the workspace is not a git repository with a commit');
      this.skip();
    }
    api.tree.refresh();
    await api.tree.loadFull();
    if (api.tree.last?.gitProblem) {
      console.log(`  skipped: the server reports ${api.tree.last.gitProblem}`);
      this.skip();
    }
  });
  suiteTeardown(() => {
    for (const w of waiting) w.child.kill();
    api?.setApprovalPrompt(undefined);
    api?.setDeclineReasonPrompt(undefined);
  });

  /** A new commit rolled out to dev and promoted to staging, so prod has something to ask for. */
  async function freshStaging() {
    // Roll Out and Promote confirm their plan in a modal, which tests answer here.
    api.setApprovalPrompt(async () => true);
    git(
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.com',
      'commit',
      '--allow-empty',
      '-q',
      '-m',
      `requests ${Date.now()}`,
    );
    const sha = git('rev-parse', 'HEAD');
    const dev = await vscode.commands.executeCommand('atmosDeployments.rollOut', {
      deployment: DEPLOYMENT,
      target: 'dev',
      gitSha: sha,
    });
    assert.ok(dev?.ok, `roll out to dev: ${dev?.message} ${JSON.stringify(api.commandFailures)}`);
    const staging = await vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment: DEPLOYMENT,
      target: 'staging',
      from: 'dev',
    });
    assert.ok(staging?.ok, `promote to staging: ${staging?.message}`);
    return sha;
  }

  /** Starts carol's wait and returns it once the editor lists her request as the editor's to approve. */
  async function carolAsks() {
    // The first answer is the baseline: only requests that arrive after it are announced.
    api.requests.refresh();
    await api.requests.load();
    const w = carolWaits(cli);
    waiting.push(w);
    await waitFor(hasRequest, { what: `carol's request ref\n${w.out()}` });
    const request = await waitFor(
      async () => {
        await vscode.commands.executeCommand('atmosDeployments.refresh');
        const list = await api.requests.load();
        return list.find((r) => r.target === 'prod' && r.requestedBy === 'carol@example.com');
      },
      { what: 'the request in the editor' },
    );
    return { w, request };
  }

  test('carol’s request reaches the tree, the status bar and a notification; Approve lets her rollout deploy', async () => {
    const sha = await freshStaging();
    const { w, request } = await carolAsks();
    assert.strictEqual(request.yours, true, JSON.stringify(request));
    assert.strictEqual(request.promotedFrom, 'staging');
    assert.ok(Object.values(request.components).every((s) => s === sha));
    assert.deepStrictEqual(api.requests.statusBar, { text: '$(shield) 1', visible: true });
    await waitFor(
      () =>
        api.requests.notices.some((n) =>
          /carol@example\.com asks you to approve payment-service: staging → prod/.test(n),
        ),
      { what: 'the notification' },
    );
    await api.tree.loadFull();
    const roots = await api.tree.getChildren();
    const dep = roots.find((n) => n.kind === 'deployment' && n.deployment.name === DEPLOYMENT);
    const node = (await api.tree.getChildren(dep)).find((n) => n.kind === 'request');
    assert.ok(node, 'no request row under the deployment');
    const item = api.tree.getTreeItem(node);
    assert.strictEqual(item.contextValue, 'request.yours');
    assert.match(String(item.description), /^yours to approve · requested by carol@example\.com/);
    assert.strictEqual(item.command.command, 'atmosDeployments.reviewRequest');

    const prompts = [];
    api.setApprovalPrompt(async (plan, text) => {
      prompts.push(text);
      return true;
    });
    const res = await vscode.commands.executeCommand('atmosDeployments.approveRequest', node);
    assert.ok(res, 'approveRequest returned nothing');
    assert.match(res.message, /the open request of carol@example\.com/);
    assert.match(prompts[0].message, /payment-service: staging → prod/);
    const code = await Promise.race([
      w.done,
      new Promise((r) => setTimeout(() => r('still waiting'), 30000)),
    ]);
    assert.strictEqual(code, 0, w.out());
    assert.match(w.out(), /→ Approval received from: .* at /);
    assert.match(w.out(), /→ Rolling out to prod\.\.\./);
    assert.ok(!hasRequest(), 'the request was not closed');
    const prod = git(
      'for-each-ref',
      '--format=%(objectname)',
      `refs/atmos/deployments/${DEPLOYMENT}/prod/`,
    );
    assert.ok(
      prod.split('\n').every((s) => s === sha),
      prod,
    );
    await waitFor(
      async () => {
        api.requests.refresh();
        await api.requests.load();
        return !api.requests.statusBar.visible;
      },
      { what: 'the status bar item to go' },
    );
  });

  test('Decline from the command, with a reason, ends carol’s waiting rollout with exit 1', async () => {
    await freshStaging();
    const { w, request } = await carolAsks();
    api.setDeclineReasonPrompt(async () => 'change freeze until Monday');
    const res = await vscode.commands.executeCommand('atmosDeployments.declineRequest', {
      request,
    });
    assert.ok(res, 'declineRequest returned nothing');
    assert.match(res.message, /Declined the approval request of carol@example\.com/);
    const code = await Promise.race([
      w.done,
      new Promise((r) => setTimeout(() => r('still waiting'), 30000)),
    ]);
    assert.strictEqual(code, 1, w.out());
    assert.match(
      w.out(),
      /Declined by .* change freeze until Monday\. Nothing was deployed to prod/,
    );
  });
});
