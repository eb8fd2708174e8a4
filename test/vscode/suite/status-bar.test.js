// The status bar item of the active deployment file (issue 17, item 4): it names the
// deployment and where its promotions stand, from the same status as the Promotions view,
// opens the graph on click, and hides for any other file.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { waitFor, folder } = require('./helpers');

const EXTENSION_ID = 'atmos-deployments.atmos-deployments';
const DEPLOYMENT = 'payment-service';

suite('status bar: the active deployment', () => {
  let api;
  suiteSetup(async () => {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
  });

  test('names the deployment and its promotions, opens the graph, hides for other files', async () => {
    const file = vscode.Uri.file(path.join(folder(), 'deployments', `${DEPLOYMENT}.yaml`));
    await vscode.window.showTextDocument(file);
    api.tree.refresh();
    const status = await api.tree.loadFull();
    const d = status.deployments.find((x) => x.name === DEPLOYMENT);
    assert.ok(d, `${DEPLOYMENT} in the status`);
    const text = await waitFor(() => api.activeStatus.text, { what: 'the status bar item' });
    console.log(`  status bar: ${text}`);
    assert.strictEqual(api.activeStatus.shown, DEPLOYMENT);
    // The counts are the server's edge states, as the Promotions view shows them.
    const ready = d.edges.filter((e) => e.state.startsWith('ready')).length;
    const blocked = d.edges.filter((e) => e.state === 'blocked').length;
    if (d.errors)
      assert.match(text, new RegExp(`^\\$\\(error\\) ${DEPLOYMENT}: ${d.errors} error`));
    else {
      assert.match(text, new RegExp(`^\\$\\(rocket\\) ${DEPLOYMENT}: `));
      if (ready) assert.match(text, new RegExp(`${ready} ready`));
      if (blocked) assert.match(text, new RegExp(`${blocked} blocked`));
      if (!ready && !blocked) assert.match(text, /up to date|no promotions/);
    }
    const { tooltip } = api.activeStatusText(d);
    for (const e of d.edges) assert.ok(tooltip.includes(`${e.from} → ${e.to}: ${e.label}`));

    // Its command opens the graph of that deployment.
    const view = await vscode.commands.executeCommand('atmosDeployments.showGraph', {
      deployment: api.activeStatus.shown,
    });
    assert.strictEqual(view?.deployment ?? api.graph.lastView?.deployment, DEPLOYMENT);

    // Another file hides it.
    const other = path.join(folder(), 'not-a-deployment.txt');
    fs.writeFileSync(other, 'hello\n');
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(other));
      await waitFor(() => api.activeStatus.text === undefined, {
        what: 'the item to hide for a file that is not a deployment file',
      });
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      fs.rmSync(other, { force: true });
    }
  });
});
