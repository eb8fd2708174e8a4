// The first step finds itself (issue 17, item 2), inside the real VS Code: the welcome view and
// the walkthrough in the manifest (no literal backticks, local media, steps that complete on the
// extension's context keys), Create a Deployment File with a name, the entry point's lens that
// rolls out HEAD through Roll Out's modal, and a blocked lens that explains and offers the step
// that unblocks it. In a git workspace (ui-drive.test.mjs) the lens's rollout is recorded; in a
// plain folder (e2e.test.mjs) the lens offers Roll Out without naming a commit.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { waitFor, folder, git } = require('./helpers');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';
const DEPLOYMENT = 'payment-service';

function headSha() {
  try {
    return git('rev-parse', '--verify', '-q', 'HEAD');
  } catch {
    return undefined;
  }
}

/** The lenses of a file as VS Code resolves them, by title. */
async function lensTitles(uri) {
  const lenses =
    (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.filter((l) => l.command);
}

suite('first step', () => {
  let api;
  suiteSetup(async () => {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
    await waitFor(() => api.session.running, { what: 'the language server to run' });
  });
  suiteTeardown(() => api?.setApprovalPrompt(undefined));

  test('first step: the welcome view and walkthrough, no backticks, local media, steps on context keys', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const c = ext.packageJSON.contributes;
    const welcome = c.viewsWelcome.find((w) => w.view === 'atmosDeployments.promotions');
    // VS Code shows a welcome view's text as it is: a backtick is drawn as a backtick.
    assert.doesNotMatch(welcome.contents, /`/);
    assert.match(
      welcome.contents,
      /\[Create a Deployment File\]\(command:atmosDeployments\.createDeploymentFile\)/,
    );
    const open = /\(command:workbench\.action\.openWalkthrough\?([^)]+)\)/.exec(welcome.contents);
    assert.ok(open, 'the welcome view opens the walkthrough');
    const [walkthroughId] = JSON.parse(decodeURIComponent(open[1]));
    const [extId, id] = walkthroughId.split('#');
    assert.strictEqual(extId, EXTENSION_ID);
    const walkthrough = c.walkthroughs.find((w) => w.id === id);
    assert.ok(walkthrough, `walkthrough ${id} is contributed`);
    assert.deepStrictEqual(
      walkthrough.steps.map((s) => s.id),
      ['create', 'commit', 'rollOut', 'promote'],
    );
    for (const step of walkthrough.steps) {
      const media = step.media.markdown ?? step.media.image ?? step.media.svg;
      assert.ok(media && !/^[a-z]+:/i.test(media), `${step.id}: local media`);
      assert.ok(fs.existsSync(path.join(ext.extensionPath, media)), `${step.id}: ${media} exists`);
      assert.doesNotMatch(fs.readFileSync(path.join(ext.extensionPath, media), 'utf8'), /https?:/);
      assert.ok(step.completionEvents.length > 0, `${step.id} completes on something`);
    }
    const events = walkthrough.steps.flatMap((s) => s.completionEvents).join(' ');
    for (const key of ['hasDeployments', 'rolledOut', 'promoted'])
      assert.match(events, new RegExp(`onContext:atmosDeployments\\.${key}\\b`));
    // The context keys the steps wait for, as the tree sets them from a status.
    const target = (name, entryPoint, sha) => ({
      name,
      entryPoint,
      components: [{ component: 'app', sha }],
    });
    const status = (targets) => ({ deployments: [{ name: 'd', targets }] });
    assert.deepStrictEqual(api.firstSteps({ deployments: [] }), {
      hasDeployments: false,
      rolledOut: false,
      promoted: false,
    });
    assert.deepStrictEqual(
      api.firstSteps(status([target('dev', true, 'a1'), target('staging', false)])),
      {
        hasDeployments: true,
        rolledOut: true,
        promoted: false,
      },
    );
    assert.strictEqual(
      api.firstSteps(status([target('dev', true, 'a1'), target('staging', false, 'a1')])).promoted,
      true,
    );
  });

  test('first step: Create a Deployment File asks for a name and refuses what git refs cannot hold', () => {
    assert.strictEqual(api.deploymentNameProblem('payment-service'), undefined);
    assert.match(api.deploymentNameProblem(''), /Type a name/);
    assert.match(api.deploymentNameProblem('my service'), /ASCII letters/);
    assert.match(api.deploymentNameProblem('-x'), /starting with a letter or digit/);
    assert.match(api.deploymentNameProblem('x.lock'), /\.lock/);
    assert.strictEqual(api.suggestedName('Payments Repo'), 'payments-repo');
    assert.strictEqual(api.suggestedName('  '), 'my-service');
  });

  test("first step: the entry point's lens rolls out HEAD with its subject through Roll Out's modal", async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'deployments', `${DEPLOYMENT}.yaml`));
    await vscode.window.showTextDocument(uri);
    const head = headSha();
    if (!head) {
      // A plain folder: the lens still offers Roll Out, whose checks say git is missing.
      const lens = await waitFor(
        async () => (await lensTitles(uri)).find((l) => l.command.title === 'Roll out to dev'),
        { what: 'the Roll out to dev lens' },
      );
      assert.deepStrictEqual(lens.command.arguments, [{ deployment: DEPLOYMENT, target: 'dev' }]);
      return;
    }
    // A commit of its own, so dev does not run HEAD yet; the lens follows it by the refs watcher.
    git(
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.com',
      'commit',
      '--allow-empty',
      '-q',
      '-m',
      'First step from the lens',
    );
    const sha = git('rev-parse', 'HEAD');
    const title = `Roll out HEAD (${sha.slice(0, 7)} "First step from the lens") to dev`;
    const lens = await waitFor(
      async () => (await lensTitles(uri)).find((l) => l.command.title === title),
      { what: `the lens "${title}"` },
    );
    assert.strictEqual(lens.command.command, 'atmosDeployments.rollOut');
    assert.strictEqual(lens.range.start.line, 12, 'on the dev key');
    const prompts = [];
    api.setApprovalPrompt(async (plan, text) => {
      prompts.push({ plan, text });
      return true;
    });
    const result = await vscode.commands.executeCommand(
      lens.command.command,
      ...lens.command.arguments,
    );
    assert.ok(result?.ok, `the lens's rollout: ${result?.message}`);
    // Roll Out's own modal, naming the commit the lens named.
    assert.strictEqual(prompts.length, 1);
    assert.strictEqual(
      prompts[0].text.message,
      `Roll out ${DEPLOYMENT}: ${sha.slice(0, 7)} "First step from the lens" → dev?`,
    );
    assert.strictEqual(prompts[0].text.button, 'Roll Out');
    const refs = git(
      'for-each-ref',
      '--format=%(objectname)',
      `refs/atmos/deployments/${DEPLOYMENT}/dev/`,
    ).split('\n');
    assert.ok(refs.length > 0 && refs.every((r) => r === sha), `dev at ${sha}: ${refs}`);
    // Now dev runs HEAD: the lens says so and runs nothing.
    const running = await waitFor(
      async () => (await lensTitles(uri)).find((l) => /^dev runs HEAD/.test(l.command.title)),
      { what: 'the lens to say dev runs HEAD' },
    );
    assert.strictEqual(running.command.command, '');
  });

  test('first step: a new file from Create a Deployment File has the lens, and its blocked lens says what unblocks it', async () => {
    const name = `first-step-${process.pid}`;
    const before = api.blockedNotices.length;
    const uri = await vscode.commands.executeCommand('atmosDeployments.createDeploymentFile', {
      name,
    });
    try {
      assert.ok(uri, 'the file was created');
      assert.strictEqual(path.basename(uri.fsPath), `${name}.yaml`);
      assert.match(fs.readFileSync(uri.fsPath, 'utf8'), new RegExp(`^  name: ${name}$`, 'm'));
      assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
      const head = headSha();
      const entryTitle = head ? /^Roll out HEAD \([0-9a-f]{7} ".*"\) to dev$/ : /^Roll out to dev$/;
      const lenses = await waitFor(
        async () => {
          const l = await lensTitles(uri);
          return l.some((x) => entryTitle.test(x.command.title)) &&
            l.some((x) => /^dev → staging: blocked/.test(x.command.title))
            ? l
            : undefined;
        },
        { what: 'the lenses of the new file' },
      );
      const blocked = lenses.find((x) =>
        /^dev → staging: blocked: nothing deployed in dev$/.test(x.command.title),
      );
      assert.strictEqual(blocked.command.command, 'atmosDeployments.showPlan');
      const shown = vscode.commands.executeCommand(
        blocked.command.command,
        ...blocked.command.arguments,
      );
      const notice = await waitFor(() => api.blockedNotices[before], {
        what: 'the blocked notice',
      });
      assert.strictEqual(
        notice.message,
        'dev → staging is blocked: nothing deployed in dev. Roll out a commit to dev first (it is an entry point: it takes commits directly), then promote it to staging.',
      );
      assert.deepStrictEqual(notice.actions, [
        head ? `Roll Out HEAD (${head.slice(0, 7)}) to dev` : 'Roll Out to dev',
      ]);
      await vscode.commands.executeCommand('notifications.clearAll');
      assert.strictEqual(await shown, undefined, 'dismissed: nothing was run');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      if (uri) await vscode.workspace.fs.delete(uri);
    }
  });
});
