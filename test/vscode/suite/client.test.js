// Runs inside the VS Code extension host (see index.js): the client's own features, read through
// the API the extension exports (tree provider, graph panel, approval hook) and its commands.
// Tests that need the language server's custom requests skip with a reason while the server
// answers MethodNotFound; the promotion test also needs the workspace to be a git repository
// (ui-drive.test.mjs opens one; e2e.test.mjs opens a plain folder).
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vscode = require('vscode');
const { waitFor, folder, git } = require('./helpers');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';
const DEPLOYMENT = 'payment-service';

function isGitRepo() {
  try {
    return git('rev-parse', '--is-inside-work-tree') === 'true' && !!git('rev-parse', 'HEAD');
  } catch {
    return false;
  }
}

let api;
/** The tree's root items once the server answers, or why it does not. */
async function rootItems() {
  api.tree.refresh();
  // The tree may first show the deployments without their records; these tests read the state.
  await api.tree.loadFull();
  return api.tree.getChildren();
}

async function statusOrSkip(ctx) {
  const roots = await rootItems();
  const msg = roots.find((n) => n.kind === 'message' && /unavailable/.test(n.text));
  if (msg) {
    assert.match(msg.text, /^Promotion status unavailable: /);
    console.log(`  skipped: ${msg.text}`);
    ctx.skip();
  }
  return roots;
}

suite('client', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
    assert.ok(api && api.tree && api.graph, 'the extension exports its API');
    await waitFor(() => api.session.running, { what: 'the language server to run' });
  });

  suiteTeardown(() => api?.setApprovalPrompt(undefined));

  test('every contributed command is registered, in the category', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const pkg = vscode.extensions.getExtension(EXTENSION_ID).packageJSON;
    for (const c of pkg.contributes.commands) {
      assert.ok(all.has(c.command), `${c.command} is not registered`);
      assert.strictEqual(c.category, 'Atmos Deployments', `${c.command} category`);
    }
    for (const id of api.commands) {
      assert.ok(
        pkg.contributes.commands.some((c) => c.command === id),
        `${id} is registered but not contributed`,
      );
    }
  });

  test('the commands that need no input run without failing', async () => {
    const before = api.commandFailures.length;
    for (const id of [
      'atmosDeployments.refresh',
      'atmosDeployments.validateWorkspace',
      'atmosDeployments.showGraph',
      'atmosDeployments.openLog',
    ]) {
      await vscode.commands.executeCommand(id);
    }
    assert.deepStrictEqual(api.commandFailures.slice(before), []);
  });

  test('manifest: view container, welcome view, grammar injection, restricted mode', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID).packageJSON;
    const c = pkg.contributes;
    assert.strictEqual(c.viewsContainers.activitybar[0].id, 'atmosDeployments');
    assert.strictEqual(c.views.atmosDeployments[0].id, 'atmosDeployments.promotions');
    assert.match(c.viewsWelcome[0].contents, /command:atmosDeployments\.createDeploymentFile/);
    assert.deepStrictEqual(c.grammars[0].injectTo, ['source.yaml']);
    assert.strictEqual(c.grammars[0].scopeName, 'atmos.deployments.injection');
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    for (const id of ['promote', 'rollOut', 'approve', 'rollBack']) {
      const entry = c.menus.commandPalette.find((m) => m.command === `atmosDeployments.${id}`);
      assert.strictEqual(entry?.when, 'isWorkspaceTrusted', `${id} is hidden when untrusted`);
    }
    for (const key of ['files', 'remote', 'approvalRole', 'maxFileSize', 'deployCommand']) {
      assert.ok(
        c.configuration.properties[`atmosDeployments.${key}`]?.description,
        `setting ${key} has a description`,
      );
    }
  });

  test('tree: deployment → targets → components, and edges with their state', async function () {
    const roots = await statusOrSkip(this);
    const dep = roots.find((n) => n.kind === 'deployment' && n.deployment.name === DEPLOYMENT);
    assert.ok(
      dep,
      `no ${DEPLOYMENT} in the tree: ${roots.map((r) => r.text ?? r.deployment?.name)}`,
    );
    const item = api.tree.getTreeItem(dep);
    assert.strictEqual(item.label, DEPLOYMENT);
    assert.strictEqual(item.contextValue, 'deployment');
    const children = await api.tree.getChildren(dep);
    const targets = children.filter((n) => n.kind === 'target').map((n) => n.target.name);
    assert.deepStrictEqual(targets, ['dev', 'staging', 'prod']);
    const edges = children.filter((n) => n.kind === 'edge');
    const labels = edges.map((n) => api.tree.getTreeItem(n).label);
    assert.deepStrictEqual(labels, ['dev → staging', 'staging → prod']);
    for (const e of edges) {
      const ti = api.tree.getTreeItem(e);
      assert.ok(ti.description, 'an edge shows its state');
      assert.ok(ti.iconPath instanceof vscode.ThemeIcon && ti.iconPath.color, 'coloured icon');
      assert.match(ti.contextValue, /^edge\./);
    }
    const prod = children.find((n) => n.kind === 'target' && n.target.name === 'prod');
    assert.match(api.tree.getTreeItem(prod).description, /from staging · requires approval/);
    const dev = children.find((n) => n.kind === 'target' && n.target.name === 'dev');
    assert.strictEqual(api.tree.getTreeItem(dev).contextValue, 'target.entry');
    const comps = await api.tree.getChildren(dev);
    for (const c of comps.filter((n) => n.kind === 'component')) {
      const ti = api.tree.getTreeItem(c);
      assert.ok(ti.description === 'not deployed' || /^[0-9a-f]{7}/.test(ti.description));
    }
    console.log(
      `  tree: ${labels.map((l, i) => `${l} (${api.tree.getTreeItem(edges[i]).description})`).join(', ')}`,
    );
  });

  // The view asks for the deployments without their records too, and shows whichever answer
  // comes first; once the full one is in, the view shows it, and commands only ever use it.
  test('tree: after a refresh the full status replaces the quick one, and commands read the full one', async function () {
    await statusOrSkip(this);
    api.tree.refresh();
    const first = await api.tree.load();
    const full = await api.tree.loadFull();
    assert.ok(!full.deployments.some((d) => d.pending), 'the full answer has the records');
    console.log(
      `  first answer shown: ${first.deployments.some((d) => d.pending) ? 'quick' : 'full'}`,
    );
    const shown = await api.tree.load();
    assert.strictEqual(shown, full, 'the view now shows the full answer');
    const dep = (await api.tree.getChildren()).find((n) => n.kind === 'deployment');
    assert.doesNotMatch(String(api.tree.getTreeItem(dep).description), /reading the records/);
  });

  // In a monorepo the full answer can take seconds; meanwhile the view shows what the files
  // alone say. The server's own quick answer is drawn here, as the view draws it first.
  test('tree: a deployment whose records are still being read says so, and its targets wait', async function () {
    await statusOrSkip(this);
    const quick = await api.tree.quickStatus();
    const d = quick.deployments.find((x) => x.name === DEPLOYMENT);
    assert.ok(d && d.pending, `${DEPLOYMENT} is pending in the quick answer`);
    assert.deepStrictEqual(d.edges, [], 'no edge states without the records');
    const item = api.tree.getTreeItem({ kind: 'deployment', deployment: d });
    assert.match(String(item.description), /3 targets · reading the records…$/);
    const rows = await api.tree.getChildren({
      kind: 'target',
      deployment: d,
      target: d.targets[0],
    });
    assert.deepStrictEqual(
      rows.map((r) => api.tree.getTreeItem(r).label),
      ['reading the records…'],
    );
    assert.strictEqual(api.tree.getTreeItem(rows[0]).iconPath.id, 'loading~spin');
  });

  test('graph: nodes, edges, CSP; click reveals YAML; cursor highlights; edits update', async function () {
    await statusOrSkip(this);
    const view = await vscode.commands.executeCommand('atmosDeployments.showGraph', {
      deployment: DEPLOYMENT,
    });
    assert.ok(view, `no graph: ${api.graph.lastError}`);
    assert.deepStrictEqual(
      view.nodes.map((n) => n.id),
      ['dev', 'staging', 'prod'],
    );
    // Left to right when the panel is wide enough, top down when it shares the window with an
    // editor (which depends on what earlier tests left open): either way, one layer per step.
    const axis = view.direction === 'DOWN' ? 'y' : 'x';
    const at = Object.fromEntries(view.nodes.map((n) => [n.id, n[axis]]));
    assert.ok(
      at.dev < at.staging && at.staging < at.prod,
      `layered along ${axis} (${view.direction}): ${JSON.stringify(at)}`,
    );
    assert.ok(view.nodes.find((n) => n.id === 'dev').entryPoint, 'dev is an entry point');
    const sp = view.edges.find((e) => e.from === 'staging' && e.to === 'prod');
    assert.ok(sp?.requiresApproval, 'staging → prod is marked for approval');
    assert.ok(sp.points.length >= 2, 'edges are routed');

    const html = api.graph.htmlForTests;
    assert.match(
      html,
      /default-src 'none'; script-src 'nonce-[^']+'; style-src [^;]+ 'nonce-[^']+'; img-src /,
    );
    assert.doesNotMatch(html, /https?:\/\/(?!.*vscode-cdn)/, 'no remote content');

    // The page asks the host to reveal a target; the editor selects its key.
    await api.graph.handleMessage({ type: 'reveal', target: 'staging' });
    // What the editor showed last, so that a timeout says what was selected instead.
    let seen = 'no active text editor';
    const editor = await waitFor(
      () => {
        const e = vscode.window.activeTextEditor;
        seen = e
          ? `${e.document.uri.path} selecting ${JSON.stringify(e.document.getText(e.selection))} at ${e.selection.start.line}:${e.selection.start.character}`
          : 'no active text editor';
        return e && e.document.getText(e.selection) === 'staging' ? e : undefined;
      },
      { what: 'the editor to select "staging"' },
    ).catch((err) => {
      throw new Error(`${err.message}; the editor showed ${seen}`);
    });
    assert.match(editor.document.uri.path, /deployments\/payment-service\.yaml$/);

    // Moving the cursor into prod's block highlights the prod node.
    const prodLine = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => /^\s+prod:/.test(l));
    editor.selection = new vscode.Selection(prodLine + 2, 4, prodLine + 2, 4);
    await waitFor(() => api.graph.highlight === 'prod', { what: 'prod to be highlighted' });

    // Typing a new target updates the graph before anything is saved.
    const original = editor.document.getText();
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    await editor.edit((e) => e.insert(end, '\n    qa:\n      promotion:\n        from: staging\n'));
    try {
      await waitFor(() => api.graph.lastView?.nodes.some((n) => n.id === 'qa'), {
        what: 'the graph to show the typed target qa',
      });
      assert.ok(api.graph.lastView.edges.some((e) => e.from === 'staging' && e.to === 'qa'));
    } finally {
      // The edit is taken back by restoring the text and saving it, not with `undo`, which acts
      // on whatever holds the focus (the graph panel or a notification may) and so made this
      // test fail now and then; a workspace edit does not need the editor to be visible either.
      const whole = new vscode.Range(
        editor.document.positionAt(0),
        editor.document.positionAt(editor.document.getText().length),
      );
      const restore = new vscode.WorkspaceEdit();
      restore.replace(editor.document.uri, whole, original);
      assert.ok(await vscode.workspace.applyEdit(restore), 'the text is restored');
      assert.ok(await editor.document.save(), 'the restored text is saved');
    }
    await waitFor(() => !api.graph.lastView?.nodes.some((n) => n.id === 'qa'), {
      what: 'qa to leave the graph once the edit is taken back',
    }).catch(async (err) => {
      // Say whether the panel's last update failed and what the server answers now, so a
      // timeout here tells the panel's state apart from the server's.
      const now = await vscode.commands
        .executeCommand('atmosDeployments.showGraph', { deployment: DEPLOYMENT })
        .then(
          (v) => v?.nodes.map((n) => n.id).join(', '),
          (e) => `failed: ${e}`,
        );
      throw new Error(
        `${err.message}; the document ${editor.document.getText().includes('qa:') ? 'still has' : 'no longer has'} qa, the panel's last error: ${api.graph.lastError ?? 'none'}, a fresh graph shows: ${now}`,
      );
    });
  });

  test('timeline: malformed or unoffered messages from the page are ignored, nothing opens', async function () {
    await statusOrSkip(this);
    const data = await vscode.commands.executeCommand('atmosDeployments.showHistory', {
      deployment: DEPLOYMENT,
    });
    assert.ok(
      data && Array.isArray(data.entries),
      'Show History resolves to the history it posted',
    );
    assert.ok(api.timeline.htmlForTests.includes("script-src 'nonce-"), 'a nonce CSP');
    const tabsBefore = vscode.window.tabGroups.all.flatMap((g) => g.tabs).length;
    const ignoredBefore = api.timeline.ignoredMessages;
    const bad = [
      undefined,
      null,
      42,
      'markdown',
      [],
      {},
      { type: 'no-such-type' },
      { type: 'open' },
      { type: 'open', tag: 42 },
      { type: 'open', tag: '' },
      // Not a record of this history: the page may only open what it shows.
      { type: 'open', tag: 'atmos/deployments/other/dev/api/2025-01-01T00-00-00Z' },
      { type: 'promote', from: 'dev', to: 'staging' },
    ];
    for (const m of bad) await api.timeline.handleMessage(m);
    assert.strictEqual(api.timeline.ignoredMessages - ignoredBefore, bad.length, 'each is ignored');
    const tabsAfter = vscode.window.tabGroups.all.flatMap((g) => g.tabs).length;
    assert.strictEqual(tabsAfter, tabsBefore, 'nothing was opened');
    // The panel itself, whichever editor has the focus by now.
    api.timeline.panelForTests?.dispose();
  });

  test('graph: malformed or unoffered messages from the page are ignored, nothing runs', async function () {
    await statusOrSkip(this);
    await vscode.commands.executeCommand('atmosDeployments.showGraph', { deployment: DEPLOYMENT });
    await waitFor(() => api.graph.lastView, { what: 'the graph view' });
    const before = JSON.stringify(api.graph.lastView);
    const editorBefore = vscode.window.activeTextEditor;
    const selectionBefore = editorBefore && editorBefore.selection;
    let prompts = 0;
    api.setApprovalPrompt(async () => {
      prompts++;
      return false;
    });
    const ignoredBefore = api.graph.ignoredMessages;
    const bad = [
      undefined,
      null,
      42,
      'refresh',
      [],
      {},
      { type: 'no-such-type' },
      { type: 'reveal' },
      { type: 'reveal', target: 42 },
      { type: 'reveal', target: '' },
      { type: 'reveal', target: 'no-such-target' },
      { type: 'promote', from: 'dev' },
      { type: 'promote', from: ['dev'], to: 'staging' },
      // Not an edge of the graph: the page may only ask for what it offers.
      { type: 'promote', from: 'dev', to: 'prod' },
      { type: 'resize', width: 'wide' },
      { type: 'resize', width: Number.NaN },
      { type: 'ready', width: -1 },
      { type: 'exportSvg', svg: { evil: true } },
      { type: 'exportSvg' },
    ];
    try {
      for (const m of bad) await api.graph.handleMessage(m);
      assert.strictEqual(api.graph.ignoredMessages - ignoredBefore, bad.length, 'each is ignored');
      assert.strictEqual(prompts, 0, 'no promotion was started');
      assert.strictEqual(JSON.stringify(api.graph.lastView), before, 'the graph is unchanged');
      const editorAfter = vscode.window.activeTextEditor;
      assert.strictEqual(editorAfter, editorBefore, 'no editor was opened');
      if (selectionBefore) assert.ok(editorAfter.selection.isEqual(selectionBefore));
      // The panel still answers a well-formed message.
      await api.graph.handleMessage({ type: 'refresh' });
      assert.ok(api.graph.lastView, 'the graph still renders');
    } finally {
      api.setApprovalPrompt(undefined);
    }
  });

  test('graph: export as a standalone SVG', async function () {
    await statusOrSkip(this);
    await vscode.commands.executeCommand('atmosDeployments.showGraph', { deployment: DEPLOYMENT });
    const out = vscode.Uri.file(path.join(os.tmpdir(), `atmos-graph-${process.pid}.svg`));
    const uri = await waitFor(
      () => vscode.commands.executeCommand('atmosDeployments.exportGraphSvg', { uri: out }),
      { what: 'the page to answer with its SVG' },
    );
    const text = fs.readFileSync(uri.fsPath, 'utf8');
    assert.match(text, /^<\?xml/);
    assert.match(text, /<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(text, />staging</);
    assert.doesNotMatch(text, /var\(--vscode/, 'theme variables are resolved');
    fs.rmSync(uri.fsPath, { force: true });
  });

  test('promotion from commands: roll out, promote, approval cancelled then given; git records', async function () {
    if (!isGitRepo()) {
      console.log('  skipped: the workspace is not a git repository with a commit');
      this.skip();
    }
    await statusOrSkip(this);
    if (api.tree.last?.gitProblem) {
      console.log(`  skipped: the server reports ${api.tree.last.gitProblem}`);
      this.skip();
    }
    // A fresh commit, so every step below has something new to move.
    git(
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.com',
      'commit',
      '--allow-empty',
      '-q',
      '-m',
      `suite ${Date.now()}`,
    );
    const sha = git('rev-parse', 'HEAD');
    const prompts = [];
    let answer = true;
    api.setApprovalPrompt(async (plan, text) => {
      prompts.push({ plan, text });
      return answer;
    });

    const dev = await vscode.commands.executeCommand('atmosDeployments.rollOut', {
      deployment: DEPLOYMENT,
      target: 'dev',
      gitSha: sha,
    });
    assert.ok(dev?.ok, `roll out to dev: ${dev?.message}`);
    const staging = await vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment: DEPLOYMENT,
      target: 'staging',
      from: 'dev',
    });
    assert.ok(staging?.ok, `promote to staging: ${staging?.message}`);
    assert.ok(
      staging.tags.length > 0 &&
        staging.tags.every((t) => t.startsWith(`atmos/deployments/${DEPLOYMENT}/staging/`)),
    );
    // Roll Out speaks Roll Out: the commit by SHA and subject, who acts, its own button.
    const subject = git('log', '-1', '--format=%s', sha);
    const [devPrompt, stagingPrompt] = prompts;
    assert.strictEqual(
      devPrompt.text.message,
      `Roll out ${DEPLOYMENT}: ${sha.slice(0, 7)} "${subject}" → dev?`,
    );
    assert.strictEqual(devPrompt.text.button, 'Roll Out');
    assert.strictEqual(devPrompt.text.guarded, false, 'a plain rollout keeps Enter for its action');
    // The identity git records with, as the server reads it (environment or config).
    const who = /^(.*>) \d+ [+-]\d{4}$/.exec(git('var', 'GIT_COMMITTER_IDENT'))[1];
    for (const p of [devPrompt, stagingPrompt]) {
      assert.match(p.text.detail, new RegExp(`^As: ${who.replace(/[.+]/g, '\\$&')}$`, 'm'));
      assert.match(p.text.detail, new RegExp(`^Commits:\n  ${sha.slice(0, 7)} ${subject}$`, 'm'));
      assert.match(
        p.text.detail,
        /^No deploy command is configured: only git records are written\.$/m,
      );
    }
    assert.strictEqual(stagingPrompt.text.message, `Promote ${DEPLOYMENT}: dev → staging?`);
    assert.strictEqual(stagingPrompt.text.button, 'Promote');
    // Without a deploy step the result says what was written, once, and offers the setting.
    const notice = api.resultNotices[api.resultNotices.length - 1];
    assert.match(
      notice.message,
      new RegExp(
        `^Recorded the rollout of ${DEPLOYMENT} to staging from dev: .* \\(no deploy command configured\\)\\. \\d+ tags? recorded\\.$`,
      ),
    );
    assert.strictEqual(notice.message.split('no deploy command configured').length, 2);
    assert.doesNotMatch(notice.message, /Rolled out|Deploying/);
    assert.deepStrictEqual(notice.actions, ['Show History', 'Set Deploy Command']);

    const prodRefs = () =>
      git('for-each-ref', '--format=%(objectname)', `refs/atmos/deployments/${DEPLOYMENT}/prod/`);
    const notesRef = `refs/notes/atmos/${DEPLOYMENT}/approvals`;
    const note = () => {
      try {
        return git('notes', `--ref=${notesRef}`, 'show', sha);
      } catch {
        return '';
      }
    };
    const before = { refs: prodRefs(), note: note() };

    // Cancel writes nothing.
    answer = false;
    prompts.length = 0;
    const cancelled = await vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment: DEPLOYMENT,
      target: 'prod',
      from: 'staging',
    });
    assert.strictEqual(cancelled, undefined);
    assert.strictEqual(prompts.length, 1, 'the approval modal was shown');
    assert.strictEqual(prompts[0].plan.requiresApproval, true);
    assert.strictEqual(
      prompts[0].text.message,
      'Approve and promote payment-service: staging → prod?',
    );
    // The approval's button names what it does, and the modal puts Cancel first so Enter alone
    // never approves (the UI drive presses Enter on the real modal).
    assert.strictEqual(prompts[0].text.button, 'Approve and roll out to prod');
    assert.strictEqual(prompts[0].text.guarded, true);
    assert.match(
      prompts[0].text.detail,
      /^prod requires approval: yours is recorded as a git note first\.$/m,
    );
    assert.match(prompts[0].text.detail, new RegExp(sha.slice(0, 7)));
    assert.deepStrictEqual({ refs: prodRefs(), note: note() }, before, 'cancel wrote nothing');

    // Approve records the note and the rollout.
    answer = true;
    const prod = await vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment: DEPLOYMENT,
      target: 'prod',
      from: 'staging',
    });
    assert.ok(prod?.ok, `promote to prod: ${prod?.message}`);
    const refs = prodRefs().split('\n').filter(Boolean);
    assert.ok(
      refs.length > 0 && refs.every((r) => r === sha),
      `prod refs point at ${sha}: ${refs}`,
    );
    const tag = prod.tags[0];
    assert.match(
      tag,
      new RegExp(
        `^atmos/deployments/${DEPLOYMENT}/prod/[^/]+/\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ(-\\d+)?$`,
      ),
    );
    const body = git('cat-file', '-p', `refs/tags/${tag}`);
    assert.match(body, /atmos\.tools\/v1alpha1/);
    assert.match(body, /kind: Deployment/);
    assert.match(body, /promoted_from: staging/);
    assert.match(body, new RegExp(`git_sha: "?${sha}`));
    const approval = note()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((n) => n.target === 'prod' && n.promoted_from === 'staging');
    assert.ok(approval, `an approval note for prod on ${sha}`);
    assert.strictEqual(approval.deployment, DEPLOYMENT);
    assert.ok(approval.approved_by && approval.approved_at);

    // The tree follows: staging → prod is now up to date.
    const roots = await rootItems();
    const dep = roots.find((n) => n.kind === 'deployment' && n.deployment.name === DEPLOYMENT);
    const edge = (await api.tree.getChildren(dep)).find(
      (n) => n.kind === 'edge' && n.edge.from === 'staging' && n.edge.to === 'prod',
    );
    assert.strictEqual(edge.edge.state, 'up to date');

    // History (the timeline) lists the new prod rollout.
    const history = await vscode.commands.executeCommand('atmosDeployments.showHistory', {
      deployment: DEPLOYMENT,
      target: 'prod',
    });
    assert.ok(
      history.entries.some((e) => e.tag === tag),
      'history shows the new tag',
    );
    api.timeline.panelForTests?.dispose();
  });

  /** Skips unless the workspace is a git repository the server can read records from. */
  async function gitOrSkip(ctx) {
    if (!isGitRepo()) {
      console.log('  skipped: the workspace is not a git repository with a commit');
      ctx.skip();
    }
    await statusOrSkip(ctx);
    if (api.tree.last?.gitProblem) {
      console.log(`  skipped: the server reports ${api.tree.last.gitProblem}`);
      ctx.skip();
    }
  }

  function newCommit(message) {
    git(
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.com',
      'commit',
      '--allow-empty',
      '-q',
      '-m',
      `${message} ${Date.now()}`,
    );
    return git('rev-parse', 'HEAD');
  }

  /** Rolls `sha` out to dev and promotes it to staging; returns the staging result. */
  async function toStaging(sha) {
    const dev = await vscode.commands.executeCommand('atmosDeployments.rollOut', {
      deployment: DEPLOYMENT,
      target: 'dev',
      gitSha: sha,
    });
    assert.ok(dev?.ok, `roll out to dev: ${dev?.message}`);
    const staging = await vscode.commands.executeCommand('atmosDeployments.promote', {
      deployment: DEPLOYMENT,
      target: 'staging',
      from: 'dev',
    });
    assert.ok(staging?.ok, `promote to staging: ${staging?.message}`);
    return staging;
  }

  const stagingRefs = () =>
    git('for-each-ref', '--format=%(objectname)', `refs/atmos/deployments/${DEPLOYMENT}/staging/`)
      .split('\n')
      .filter(Boolean);

  test('roll back from the command: a previous recorded rollout, modal answered, rollback_of recorded', async function () {
    await gitOrSkip(this);
    const prompts = [];
    api.setApprovalPrompt(async (plan, text) => {
      prompts.push({ plan, text });
      return true;
    });
    const older = newCommit('rollback base');
    const first = await toStaging(older);
    const newer = newCommit('rollback newer');
    await toStaging(newer);
    assert.deepStrictEqual([...new Set(stagingRefs())], [newer], 'staging runs the newer commit');
    // The promotion plan told the modal how far staging moves.
    const promo = prompts.filter((p) => p.plan.target === 'staging').pop();
    assert.ok(promo, 'the promotion to staging asked for approval');
    assert.strictEqual(promo.plan.commitsAhead, 1, 'the server passes commitsAhead through');
    assert.match(promo.text.detail, /\n1 commit ahead$/m);

    const to = first.tags[0].slice(first.tags[0].lastIndexOf('/') + 1);
    prompts.length = 0;
    const result = await vscode.commands.executeCommand('atmosDeployments.rollBack', {
      deployment: DEPLOYMENT,
      target: 'staging',
      to,
    });
    assert.ok(result?.ok, `roll back: ${result?.message}`);
    assert.strictEqual(prompts.length, 1, 'the modal showed the rollback plan');
    // A rollback returns to a recorded rollout; it is not a promotion of a plain commit.
    assert.strictEqual(
      prompts[0].text.message,
      `Roll back payment-service: staging to the rollout of ${to}?`,
    );
    assert.strictEqual(prompts[0].text.button, 'Roll Back');
    assert.match(
      prompts[0].text.detail,
      new RegExp(`^Rollback: staging to the rollout of ${to}$`, 'm'),
    );
    assert.doesNotMatch(prompts[0].text.detail, /commit →/);
    assert.match(prompts[0].text.detail, new RegExp(`${newer.slice(0, 7)} → ${older.slice(0, 7)}`));
    // The server plans the rollback, so its modal names the commits and who acts, as others do.
    assert.match(prompts[0].text.detail, new RegExp(`^  ${older.slice(0, 7)} rollback base `, 'm'));
    assert.match(
      prompts[0].text.detail,
      /^No commits ahead: staging runs newer commits, so this moves it back\.$/m,
    );
    assert.match(prompts[0].text.detail, /^As: .+ <.+@.+>$/m);
    assert.deepStrictEqual([...new Set(stagingRefs())], [older], 'the staging refs moved back');
    assert.ok(result.tags.length > 0);
    for (const tag of result.tags) {
      assert.match(tag, new RegExp(`^atmos/deployments/${DEPLOYMENT}/staging/`));
      const body = git('cat-file', '-p', `refs/tags/${tag}`);
      assert.match(
        body,
        new RegExp(`rollback_of: "?atmos/deployments/${DEPLOYMENT}/staging/[^/]+/${to}`),
      );
      assert.match(body, new RegExp(`git_sha: "?${older}`));
    }
  });

  test('compare targets without the git extension: a readable document with both targets and SHAs', async function () {
    await gitOrSkip(this);
    assert.strictEqual(
      vscode.workspace.getConfiguration('git').get('enabled'),
      false,
      'the rig disables the built-in git extension',
    );
    api.setApprovalPrompt(async () => true);
    const staged = newCommit('compare staging');
    await toStaging(staged);
    const devSha = newCommit('compare dev');
    // No target given: dev is the only entry point, so Roll Out takes it without a picker
    // (a picker here would wait for an answer that never comes, and the test would time out).
    const dev = await vscode.commands.executeCommand('atmosDeployments.rollOut', {
      deployment: DEPLOYMENT,
      gitSha: devSha,
    });
    assert.ok(dev?.ok, dev?.message);
    await waitFor(
      async () => {
        api.tree.refresh();
        const status = await api.tree.loadFull();
        const d = status.deployments?.find((x) => x.name === DEPLOYMENT);
        return d?.targets.find((t) => t.name === 'dev')?.components[0]?.sha === devSha;
      },
      { what: 'the tree to see the new dev commit' },
    );
    const r = await vscode.commands.executeCommand('atmosDeployments.compareTargets', {
      deployment: DEPLOYMENT,
      target: 'staging',
      with: 'dev',
    });
    assert.strictEqual(r?.opened, 'document');
    const text = r.document.getText();
    assert.strictEqual(vscode.window.activeTextEditor?.document, r.document, 'it is shown');
    assert.match(text, /^# payment-service: staging → dev$/m);
    assert.match(text, /\| Component \| staging \| dev \| Commit range \|/);
    assert.ok(text.includes(staged), `the staging SHA ${staged} is named`);
    assert.ok(text.includes(devSha), `the dev SHA ${devSha} is named`);
    assert.ok(text.includes(`git log --oneline ${staged}..${devSha}`), 'the range to list');
    assert.match(text, /Git extension is not available/);
    console.log(`  compare document:\n${text.replace(/^/gm, '    ')}`);
  });

  test("tree: a deployed component's tooltip shows its SHA and tag as recorded", async function () {
    await gitOrSkip(this);
    api.setApprovalPrompt(async () => true);
    const staging = await toStaging(newCommit('tooltip'));
    const tag = staging.tags[0];
    const component = tag.split('/').at(-2);
    const roots = await rootItems();
    const dep = roots.find((n) => n.kind === 'deployment' && n.deployment.name === DEPLOYMENT);
    const target = (await api.tree.getChildren(dep)).find(
      (n) => n.kind === 'target' && n.target.name === 'staging',
    );
    const node = (await api.tree.getChildren(target)).find(
      (n) => n.kind === 'component' && n.component.component === component,
    );
    const md = api.tree.getTreeItem(node).tooltip.value;
    // Markdown shows a code span's text literally, backslashes included, so the tag must be
    // quoted as it is: `payment\-service` is not the name git has.
    assert.ok(md.includes(`\`${tag}\``), `the tag appears verbatim in:\n${md}`);
    assert.ok(md.includes(`\`${node.component.sha}\``), `the SHA appears verbatim in:\n${md}`);
  });

  test('tree: a target whose promotion rule names no valid source says so', async function () {
    await statusOrSkip(this);
    const file = path.join(folder(), 'deployments', 'no-sources.yaml');
    fs.writeFileSync(
      file,
      'deployment:\n  name: no-sources\n  targets:\n    dev: {}\n    prod:\n      promotion:\n        allowed_from: []\n',
    );
    try {
      const prod = await waitFor(
        async () => {
          const roots = await rootItems();
          const dep = roots.find(
            (n) => n.kind === 'deployment' && n.deployment.name === 'no-sources',
          );
          if (!dep) return undefined;
          return (await api.tree.getChildren(dep)).find(
            (n) => n.kind === 'target' && n.target.name === 'prod',
          );
        },
        { what: 'the no-sources deployment in the tree' },
      );
      const description = api.tree.getTreeItem(prod).description;
      assert.doesNotMatch(description, /^from\s*$|^from ·/, `description: ${description}`);
      assert.match(description, /no valid source/);
    } finally {
      fs.rmSync(file, { force: true });
      await waitFor(
        async () =>
          !(await rootItems()).some(
            (n) => n.kind === 'deployment' && n.deployment.name === 'no-sources',
          ),
        { what: 'the no-sources deployment to leave the tree' },
      );
    }
  });

  /** A deployment as the server describes it, for the pure parts of the pickers. */
  function fakeDeployment(edges) {
    const target = (name, entryPoint, sources) => ({
      name,
      uri: 'file:///fake.yaml',
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      entryPoint,
      requiresApproval: name === 'prod',
      sources,
      components: [],
    });
    return {
      name: 'fake',
      uri: 'file:///fake.yaml',
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      targets: [
        target('dev', true, []),
        target('staging', false, ['dev']),
        target('prod', false, ['staging']),
      ],
      edges: edges.map(([from, to, state, why]) => ({
        from,
        to,
        state,
        why,
        label: why ? `${state} (${why})` : state,
        requiresApproval: to === 'prod',
        changes: [],
      })),
      cycles: [],
      errors: 0,
    };
  }

  test('words: blocked targets in the Promote picker say why, cannot be chosen, and offer the step that unblocks them', () => {
    const d = fakeDeployment([
      ['dev', 'staging', 'ready'],
      ['staging', 'prod', 'blocked', 'nothing deployed in staging'],
    ]);
    const rows = api.targetChoices(
      d,
      d.targets.filter((t) => !t.entryPoint),
    );
    assert.deepStrictEqual(
      rows.map((r) => r.label),
      ['staging', 'Blocked', '$(lock) prod'],
    );
    assert.strictEqual(rows[0].blocked, undefined, 'a ready target can be chosen');
    assert.strictEqual(rows[1].kind, vscode.QuickPickItemKind.Separator);
    assert.strictEqual(rows[2].description, 'blocked: nothing deployed in staging');
    assert.strictEqual(rows[2].blocked, 'nothing deployed in staging');
    assert.strictEqual(rows[2].unblock, 'staging', 'choosing it promotes to staging instead');
    assert.match(rows[2].detail, /promote to staging first/);
    // A cycle cannot be unblocked from the picker: the row only explains.
    const cyclic = fakeDeployment([
      ['dev', 'staging', 'ready'],
      ['staging', 'prod', 'blocked', 'promotion cycle staging → prod → staging'],
    ]);
    const cycleRow = api.targetChoices(cyclic, cyclic.targets.slice(2))[1];
    assert.strictEqual(cycleRow.unblock, undefined);
    assert.match(cycleRow.detail, /Cannot be chosen/);
  });

  test("words: no git and no commits are said in the editor's words, never the CLI's flags", () => {
    const noCommits = api.gitNotice(
      'no-commits',
      'This repository has no commits yet: commit first, or pass --git-sha <commit>.',
    );
    assert.doesNotMatch(noCommits.message, /--git-sha|pass /);
    assert.match(
      noCommits.message,
      /no commits yet.*Commit your deployment file in Source Control/,
    );
    assert.strictEqual(noCommits.action, 'Open Source Control');
    const noGit = api.gitNotice(undefined, 'Git records are not available: not a git repository.');
    assert.match(noGit.message, /not in a git repository/);
    assert.strictEqual(noGit.action, 'Initialize Repository');
    assert.strictEqual(api.gitNotice('not-a-repo', 'fatal: not a git repository'), noGit);
    assert.strictEqual(api.gitNotice('uncommitted-policy', 'The file differs'), undefined);
  });

  test('tree rows act on click and Enter: a target reveals its YAML, an edge opens its plan or says why it is blocked', async function () {
    const roots = await statusOrSkip(this);
    const dep = roots.find((n) => n.kind === 'deployment' && n.deployment.name === DEPLOYMENT);
    const children = await api.tree.getChildren(dep);
    const staging = children.find((n) => n.kind === 'target' && n.target.name === 'staging');
    const item = api.tree.getTreeItem(staging);
    assert.strictEqual(item.command?.command, 'atmosDeployments.revealInYaml');
    const editor = await vscode.commands.executeCommand(
      item.command.command,
      ...item.command.arguments,
    );
    assert.ok(editor, 'the row opened an editor');
    assert.strictEqual(editor.document.uri.toString(), staging.target.uri);
    assert.strictEqual(editor.document.getText(editor.selection), 'staging');
    for (const e of children.filter((n) => n.kind === 'edge'))
      assert.strictEqual(api.tree.getTreeItem(e).command?.command, 'atmosDeployments.showPlan');
    // A blocked edge says why and offers the step that unblocks it, without planning.
    const blocked = {
      kind: 'edge',
      deployment: dep.deployment,
      edge: {
        from: 'staging',
        to: 'prod',
        state: 'blocked',
        why: 'nothing deployed in staging',
        label: 'blocked (nothing deployed in staging)',
        requiresApproval: true,
        changes: [],
      },
    };
    const before = api.blockedNotices.length;
    const edgeItem = api.tree.getTreeItem(blocked);
    const shown = vscode.commands.executeCommand(
      edgeItem.command.command,
      ...edgeItem.command.arguments,
    );
    const notice = await waitFor(() => api.blockedNotices[before], { what: 'the blocked notice' });
    assert.strictEqual(
      notice.message,
      'staging → prod is blocked: nothing deployed in staging. Put something on staging first: promote to it, then from it to prod.',
    );
    assert.deepStrictEqual(notice.actions, ['Promote to staging']);
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.strictEqual(await shown, undefined);
  });

  test('graph follows the active deployment file, and stays while pinned', async function () {
    await statusOrSkip(this);
    const file = path.join(folder(), 'deployments', 'follow-me.yaml');
    fs.writeFileSync(file, 'deployment:\n  name: follow-me\n  targets:\n    qa: {}\n');
    const ours = vscode.Uri.file(path.join(folder(), 'deployments', `${DEPLOYMENT}.yaml`));
    try {
      await waitFor(
        async () => (await rootItems()).some((n) => n.deployment?.name === 'follow-me'),
        { what: 'follow-me in the tree' },
      );
      await vscode.commands.executeCommand('atmosDeployments.showGraph', {
        deployment: DEPLOYMENT,
      });
      await vscode.window.showTextDocument(vscode.Uri.file(file), {
        viewColumn: vscode.ViewColumn.One,
      });
      await waitFor(() => api.graph.lastView?.deployment === 'follow-me', {
        what: 'the graph to follow follow-me.yaml',
      });
      assert.strictEqual(await vscode.commands.executeCommand('atmosDeployments.pinGraph'), true);
      await vscode.window.showTextDocument(ours, { viewColumn: vscode.ViewColumn.One });
      await new Promise((r) => setTimeout(r, 1500));
      assert.strictEqual(api.graph.lastView.deployment, 'follow-me', 'a pinned graph stays');
      assert.strictEqual(
        await vscode.commands.executeCommand('atmosDeployments.unpinGraph'),
        false,
      );
      await waitFor(() => api.graph.lastView?.deployment === DEPLOYMENT, {
        what: 'the unpinned graph to follow the active file again',
      });
    } finally {
      await vscode.commands.executeCommand('atmosDeployments.unpinGraph');
      // An open document stays a deployment to the server, so its tab is closed first.
      const tabs = vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((tab) => tab.input?.uri?.fsPath === file);
      await vscode.window.tabGroups.close(tabs);
      fs.rmSync(file, { force: true });
      // VS Code keeps a closed document for a while, and the server with it, so the tree may
      // list follow-me a little longer; the tests after this one name their deployment.
    }
  });

  test('roll out: the commit box takes any revision git resolves, as the CLI does', () => {
    for (const ok of ['', 'HEAD', 'HEAD~1', 'main', 'v1.2.0', 'release/2026-11', 'd1b3f7c']) {
      assert.strictEqual(api.revisionProblem(ok), undefined, `"${ok}" is accepted`);
    }
    for (const bad of ['two words', '-x', 'a\tb']) {
      assert.ok(api.revisionProblem(bad), `"${bad}" is refused`);
    }
  });

  test('history as Markdown opens a read-only report, which closes without asking to save', async function () {
    await statusOrSkip(this);
    const doc = await vscode.commands.executeCommand('atmosDeployments.showHistoryAsMarkdown', {
      deployment: DEPLOYMENT,
    });
    assert.ok(doc, 'a document was opened');
    assert.match(doc.getText(), /^# History: payment-service$/m);
    assert.strictEqual(doc.languageId, 'markdown');
    // An untitled document is dirty at once, and VS Code asks to save it on close.
    assert.strictEqual(doc.isUntitled, false, `opened as ${doc.uri.toString()}`);
    assert.strictEqual(doc.isDirty, false);
    assert.strictEqual(vscode.window.activeTextEditor?.document, doc, 'it is shown');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  /** The deployment file of DEPLOYMENT in the workspace. */
  async function deploymentDocument() {
    const files = await vscode.workspace.findFiles('**/deployments/**/*.{yaml,yml}');
    for (const f of files) {
      const doc = await vscode.workspace.openTextDocument(f);
      if (new RegExp(`^\\s+name:\\s*${DEPLOYMENT}\\s*$`, 'm').test(doc.getText())) return doc;
    }
    throw new Error(`no file declares ${DEPLOYMENT}`);
  }

  test('roll out follows the committed rules: an unsaved edit is refused, naming the file', async function () {
    await gitOrSkip(this);
    const doc = await deploymentDocument();
    const original = doc.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# an edit nobody committed\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const r = await vscode.commands.executeCommand('atmosDeployments.rollOut', {
        deployment: DEPLOYMENT,
        target: 'dev',
        gitSha: git('rev-parse', 'HEAD'),
      });
      assert.strictEqual(r?.ok, false, `the rollout was not refused: ${r?.message}`);
      assert.match(
        r.message,
        /deployments\/[^ ]+ has uncommitted changes; promotion rules are read from committed config \(HEAD\)\. Commit them first\./,
      );
      // The notification says the same and offers to open the file's changes.
      const notice = api.failureNotices[api.failureNotices.length - 1];
      assert.match(notice.message, /has uncommitted changes/);
      assert.deepStrictEqual(notice.actions, ['Open Changes', 'Open Log']);
      assert.strictEqual(vscode.Uri.parse(notice.file).fsPath, doc.uri.fsPath);
      await api.openChanges(vscode.Uri.parse(notice.file));
      await waitFor(
        () =>
          vscode.window.tabGroups.activeTabGroup.activeTab?.input?.uri?.fsPath === doc.uri.fsPath ||
          vscode.window.tabGroups.activeTabGroup.activeTab?.input?.modified?.fsPath ===
            doc.uri.fsPath,
        { what: "the file's changes (or the file) to open" },
      );
    } finally {
      const restore = new vscode.WorkspaceEdit();
      restore.replace(
        doc.uri,
        new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)),
        original,
      );
      assert.ok(await vscode.workspace.applyEdit(restore), 'the text is restored');
      assert.ok(await doc.save(), 'the restored text is saved');
    }
  });

  test('Verify Records: a ref written with plain git is a finding in the Problems panel, and goes once the ref is put back', async function () {
    await gitOrSkip(this);
    await toStaging(newCommit('verify'));
    const [line] = git(
      'for-each-ref',
      '--format=%(refname) %(objectname)',
      `refs/atmos/deployments/${DEPLOYMENT}/staging/`,
    ).split('\n');
    const [ref, recorded] = line.split(' ');
    const rogue = newCommit('rogue');
    git('update-ref', ref, rogue);
    let result;
    try {
      result = await vscode.commands.executeCommand('atmosDeployments.verifyRecords', {
        deployment: DEPLOYMENT,
      });
    } finally {
      git('update-ref', ref, recorded);
    }
    const f = result?.findings.find((x) => x.code === 'ref-unbacked' && x.ref === ref);
    assert.ok(f, `no ref-unbacked finding for ${ref}: ${JSON.stringify(result?.findings)}`);
    assert.ok(f.uri && f.range, 'the finding is placed in the deployment file');
    const shown = () =>
      vscode.languages
        .getDiagnostics(vscode.Uri.parse(f.uri))
        .filter(
          (d) =>
            d.source === 'atmos-deployments verify' &&
            d.code === 'ref-unbacked' &&
            d.message.includes(ref),
        );
    assert.strictEqual(shown().length >= 1, true, 'the Problems panel shows it');
    assert.strictEqual(shown()[0].range.start.line, f.range.start.line, 'at its target');
    const again = await vscode.commands.executeCommand('atmosDeployments.verifyRecords', {
      deployment: DEPLOYMENT,
    });
    assert.ok(
      !again.findings.some((x) => x.code === 'ref-unbacked' && x.ref === ref),
      'the finding is gone once the ref is back on its record',
    );
    assert.strictEqual(shown().length, 0, 'and so is its problem');
  });
});
