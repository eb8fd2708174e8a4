/**
 * Live git state: code lenses and hovers over a real repository, refreshed when refs change
 * (through the server's own requests and through the CLI), and the custom requests.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  AnnotatedTextEdit,
  CodeLens,
  Hover,
  TextDocumentEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import type {
  ApplyResult,
  GraphResult,
  HistoryResult,
  PlanResult,
  StatusResult,
} from '../../server/src/protocol/requests';
import { ANNOTATING_CAPABILITIES, cursor, Harness, PAYMENT, REPO_ROOT } from './harness';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

describe('live state from git', () => {
  let h: Harness;
  let uri: string;
  before(async () => {
    h = await Harness.start({ files: { 'deployments/payment.yaml': PAYMENT } });
    git(h.root, 'init', '-q', '-b', 'main');
    git(h.root, 'config', 'user.email', 'dev@example.com');
    git(h.root, 'config', 'user.name', 'Dev');
    git(h.root, 'add', '.');
    git(h.root, 'commit', '-q', '-m', 'init');
    // The repository is made after the files are written; the tests start a fresh server on it.
    await h.stop(true);
  });
  after(() => h.stop());

  // The edges' lenses; the entry point's own lens (first-step.test.ts) is left out here.
  const edgeLenses = async () =>
    (await h.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } })).filter((l) =>
      / → /.test(l.command!.title),
    );
  const lenses = async () => (await edgeLenses()).map((l) => l.command!.title);

  test('lenses start blocked: nothing is deployed yet', async () => {
    const root = h.root;
    h = await Harness.startIn(root);
    uri = await h.open('deployments/payment.yaml', PAYMENT);
    assert.deepEqual(await lenses(), [
      'dev → staging: blocked: nothing deployed in dev',
      'staging → prod: blocked: nothing deployed in staging',
    ]);
  });

  test('renaming a target with nothing deployed asks nothing, even a client that can be asked', async () => {
    const asking = await Harness.startIn(h.root, { capabilities: ANNOTATING_CAPABILITIES });
    try {
      const docUri = await asking.open('deployments/payment.yaml', PAYMENT);
      const edit = await asking.request<WorkspaceEdit>('textDocument/rename', {
        textDocument: { uri: docUri },
        position: { line: 8, character: 5 },
        newName: 'development',
      });
      assert.equal(edit.changeAnnotations, undefined, JSON.stringify(edit));
      assert.equal(edit.changes?.[docUri]?.length, 2, JSON.stringify(edit));
    } finally {
      await asking.stop(true);
    }
  });

  test('a rollout through applyRollout makes the next edge ready and refreshes lenses', async () => {
    const before = h.codeLensRefreshes;
    const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.tags.length, 2);
    await h.until(() => (h.codeLensRefreshes > before ? true : undefined), 'codeLens refresh');
    assert.deepEqual(await lenses(), [
      'dev → staging: ready',
      'staging → prod: blocked: nothing deployed in staging',
    ]);
    const raw = await edgeLenses();
    assert.equal(raw[0].command?.command, 'atmosDeployments.promote');
    assert.deepEqual(raw[0].command?.arguments, [
      { deployment: 'payment-service', target: 'staging', from: 'dev' },
    ]);
    // A blocked lens opens the explanation, which offers the step that unblocks it.
    assert.equal(raw[1].command?.command, 'atmosDeployments.showPlan');
    assert.deepEqual(raw[0].range.start, { line: 11, character: 4 });
  });

  test('planRollout returns the refusal word for word, and a plan when allowed', async () => {
    const refused = await h.request<PlanResult>('atmosDeployments/planRollout', {
      deployment: 'payment-service',
      target: 'prod',
      promoteFrom: 'dev',
    });
    assert.equal(
      refused.refusal,
      'Cannot promote directly from dev to prod. Must promote from staging.',
    );
    const ok = await h.request<PlanResult>('atmosDeployments/planRollout', {
      deployment: 'payment-service',
      target: 'staging',
      promoteFrom: 'dev',
    });
    assert.deepEqual(ok.plan?.components.map((c) => c.component).sort(), ['api', 'db']);
    assert.equal(ok.plan?.requiresApproval, false);
  });

  test('a rollout by the CLI is noticed through the refs watcher', async () => {
    const before = h.codeLensRefreshes;
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist/cli.js'),
        'rollout',
        'payment-service',
        '--target',
        'staging',
        '--promote-from',
        'dev',
        '--cwd',
        h.root,
      ],
      { encoding: 'utf8' },
    );
    await h.until(() => (h.codeLensRefreshes > before ? true : undefined), 'codeLens refresh');
    assert.deepEqual(await lenses(), [
      'dev → staging: up to date',
      'staging → prod: ready · requires approval',
    ]);
  });

  test('hover shows what is deployed: SHA, age, source', async () => {
    const { position } = cursor(PAYMENT.replace('    staging:', '    stag|ing:'));
    const r = await h.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    const md = (r.contents as { value: string }).value;
    const sha = git(h.root, 'rev-parse', 'HEAD').trim().slice(0, 7);
    assert.match(
      md,
      new RegExp(`\`api\` at \`${sha}\`, just now by dev@example.com, promoted from \`dev\``),
    );
    assert.match(md, /`dev → staging`: up to date/);
    // The edge is not one more item of the deployed-components list: Markdown merges two lists
    // that only a blank line separates, so a paragraph must stand between them.
    const lines = md.split('\n');
    let i = lines.findIndex((l) => l.includes('`dev → staging`')) - 1;
    while (i > 0 && lines[i].trim() === '') i--;
    assert.doesNotMatch(lines[i], /^\s*[-*+] /, `the line above the edge list: ${lines[i]}`);
    assert.match(lines[i], /Promotion into `staging`:/);
  });

  test('applyRollout to an approval target without approval fails with the reason', async () => {
    await assert.rejects(
      h.request('atmosDeployments/applyRollout', {
        deployment: 'payment-service',
        target: 'prod',
        promoteFrom: 'staging',
      }),
      /approv/i,
    );
    const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'prod',
      promoteFrom: 'staging',
      approve: true,
    });
    assert.equal(r.ok, true, r.message);
  });

  test('history, graph and status', async () => {
    const hist = await h.request<HistoryResult>('atmosDeployments/history', {
      deployment: 'payment-service',
      target: 'prod',
    });
    assert.equal(hist.entries.length, 2);
    assert.equal(hist.entries[0].promotedFrom, 'staging');
    assert.equal(hist.subjects, undefined, 'subjects are read only when asked for');
    const withSubjects = await h.request<HistoryResult>('atmosDeployments/history', {
      deployment: 'payment-service',
      subjects: true,
    });
    // Every record is of the one commit, `init`; the timeline shows its subject.
    assert.deepEqual(withSubjects.subjects, { [hist.entries[0].gitSha]: 'init' });
    const g = await h.request<GraphResult>('atmosDeployments/graph', {
      deployment: 'payment-service',
    });
    assert.deepEqual(
      g.deployment?.targets.map((t) => t.name),
      ['dev', 'staging', 'prod'],
    );
    assert.deepEqual(
      g.deployment?.edges.map((e) => `${e.from}→${e.to}:${e.state}`),
      ['dev→staging:up to date', 'staging→prod:up to date'],
    );
    assert.ok(g.deployment?.targets[2].components.every((c) => c.sha && c.age === 'just now'));
    const byUri = await h.request<GraphResult>('atmosDeployments/graph', { uri });
    assert.equal(byUri.deployment?.name, 'payment-service');
    const s = await h.request<StatusResult>('atmosDeployments/status', {});
    assert.deepEqual(
      s.deployments.map((d) => [d.name, d.errors]),
      [['payment-service', 0]],
    );
  });

  test('renaming a deployed target asks first, where the client can be asked', async () => {
    // The `dev` key of PAYMENT (line 9).
    const devKey = { line: 8, character: 5 };
    const renameDev = (client: Harness, docUri: string) =>
      client.request<WorkspaceEdit>('textDocument/rename', {
        textDocument: { uri: docUri },
        position: devKey,
        newName: 'development',
      });
    // A client without change annotations gets the plain edit.
    const plain = await renameDev(h, uri);
    assert.ok(plain.changes?.[uri]?.length, JSON.stringify(plain));
    assert.equal(plain.changeAnnotations, undefined);

    const asking = await Harness.startIn(h.root, { capabilities: ANNOTATING_CAPABILITIES });
    try {
      const docUri = await asking.open('deployments/payment.yaml', PAYMENT);
      // The server reads git once it is connected, after start-up: wait until its lenses show
      // the deployed state the previous tests recorded.
      const deadline = Date.now() + 10000;
      for (;;) {
        const l = await asking.request<CodeLens[]>('textDocument/codeLens', {
          textDocument: { uri: docUri },
        });
        if (l.some((x) => /up to date/.test(x.command?.title ?? ''))) break;
        if (Date.now() > deadline) assert.fail(`no live state: ${JSON.stringify(l)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const edit = await renameDev(asking, docUri);
      const note = edit.changeAnnotations?.['atmos-deployed-target'];
      assert.equal(note?.needsConfirmation, true, JSON.stringify(edit));
      assert.match(note!.description!, /'dev' has 2 components deployed \(api, db\)/);
      assert.match(note!.description!, /'development' shows nothing deployed/);
      const [docEdit] = edit.documentChanges as TextDocumentEdit[];
      assert.equal(docEdit.textDocument.uri, docUri);
      assert.deepEqual(
        docEdit.edits.map((e) => [e.newText, (e as AnnotatedTextEdit).annotationId]),
        plain.changes![uri].map((e) => [e.newText, 'atmos-deployed-target']),
      );
    } finally {
      await asking.stop(true);
    }
  });

  test('a ready edge says how many commits it moves, as design section 7 draws the lens', async () => {
    for (const m of ['one', 'two']) git(h.root, 'commit', '-q', '--allow-empty', '-m', m);
    const before = h.codeLensRefreshes;
    const dev = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
    });
    assert.equal(dev.ok, true, dev.message);
    await h.until(() => (h.codeLensRefreshes > before ? true : undefined), 'codeLens refresh');
    assert.deepEqual(await lenses(), [
      'dev → staging: 2 commits ahead',
      'staging → prod: up to date',
    ]);
    const staging = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'staging',
      promoteFrom: 'dev',
    });
    assert.equal(staging.ok, true, staging.message);
    // The lens follows the refs; poll until it has seen the promotion.
    const deadline = Date.now() + 10000;
    let got: string[] = [];
    while (Date.now() < deadline) {
      got = await lenses();
      if (got[0] === 'dev → staging: up to date') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(got, [
      'dev → staging: up to date',
      'staging → prod: 2 commits ahead · requires approval',
    ]);
    // dev goes back to an older commit: staging now runs commits dev does not have.
    const older = git(h.root, 'rev-parse', 'HEAD~2').trim();
    const back = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
      gitSha: older,
    });
    assert.equal(back.ok, true, back.message);
    const until = Date.now() + 10000;
    while (Date.now() < until) {
      got = await lenses();
      if (got[0] !== 'dev → staging: up to date') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(got[0], 'dev → staging: staging runs newer commits');
  });
});

describe('a workspace without git', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ files: { 'deployments/payment.yaml': PAYMENT } });
  });
  after(() => h.stop());

  test('lenses are blocked, requests that need git say why', async () => {
    const uri = await h.open('deployments/payment.yaml', PAYMENT);
    const l = await h.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(l[1].command?.title, 'dev → staging: blocked: nothing deployed in dev');
    // The entry point still offers Roll Out, whose checks say that git is missing.
    assert.equal(l[0].command?.title, 'Roll out to dev');
    assert.deepEqual(l[0].command?.arguments, [{ deployment: 'payment-service', target: 'dev' }]);
    await assert.rejects(
      h.request('atmosDeployments/planRollout', { deployment: 'payment-service', target: 'dev' }),
      /Git records are not available: .* is not in a git repository/,
    );
    const g = await h.request<GraphResult>('atmosDeployments/graph', {
      deployment: 'payment-service',
    });
    assert.match(g.gitProblem ?? '', /not in a git repository/);
    assert.equal(g.deployment?.edges[0].label, 'blocked (nothing deployed in dev)');
  });
});

describe('a multi-root workspace: one folder in git, one not', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      folders: ['repo', 'plain'],
      files: {
        'repo/deployments/a.yaml': PAYMENT.replace('payment-service', 'in-git'),
        'plain/deployments/b.yaml': PAYMENT.replace('payment-service', 'no-git'),
      },
      prepare: (root) => {
        const repo = path.join(root, 'repo');
        git(repo, 'init', '-q', '-b', 'main');
        git(repo, 'config', 'user.email', 'dev@example.com');
        git(repo, 'config', 'user.name', 'Dev');
        git(repo, 'add', '.');
        git(repo, 'commit', '-q', '-m', 'init');
      },
    });
  });
  after(() => h.stop());

  test('each deployment uses the repository of its own folder', async () => {
    await h.until(() => h.logs.find((l) => l.startsWith('Indexed 2 ')), 'the workspace index');
    const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'in-git',
      target: 'dev',
    });
    assert.equal(r.ok, true, r.message);
    await assert.rejects(
      h.request('atmosDeployments/applyRollout', { deployment: 'no-git', target: 'dev' }),
      /Git records are not available: .*plain is not in a git repository/,
    );
    const s = await h.request<StatusResult>('atmosDeployments/status', {});
    assert.deepEqual(
      s.deployments.map((d) => [d.name, d.edges[0].state]),
      [
        ['in-git', 'ready'],
        ['no-git', 'blocked'],
      ],
    );
    const g = await h.request<GraphResult>('atmosDeployments/graph', { deployment: 'in-git' });
    assert.equal(g.gitProblem, undefined);
  });
});
