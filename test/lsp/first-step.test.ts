/**
 * The first step finds itself (issue 17): over the real server and a real repository, the entry
 * point's lens names HEAD with its subject and runs Roll Out for exactly that commit, follows
 * new commits through the refs watcher, and says so once the target runs HEAD; a blocked lens
 * runs the explanation and carries the step that unblocks it, and none on a promotion cycle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CodeLens } from 'vscode-languageserver-protocol';
import type { ApplyResult, BlockedLensArgs } from '../../server/src/protocol/requests';
import { gitIn, Harness, PAYMENT, startInGitRepo } from './harness';

const lensesOf = (h: Harness, uri: string) =>
  h.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });

/** The lens whose title matches, or a failure that lists every lens. */
function find(lenses: CodeLens[], title: RegExp): CodeLens {
  const l = lenses.find((x) => title.test(x.command?.title ?? ''));
  assert.ok(l, `no lens ${title} in ${JSON.stringify(lenses.map((x) => x.command?.title))}`);
  return l;
}

describe('the first step in a fresh repository', () => {
  let h: Harness;
  let uri: string;
  before(async () => {
    h = await startInGitRepo(
      { 'deployments/payment.yaml': PAYMENT },
      { deployment: 'payment-service', target: 'dev' },
    );
    uri = await h.open('deployments/payment.yaml', PAYMENT);
  });
  after(() => h.stop());

  test("the entry point's lens rolls out HEAD, named by SHA and subject, at the dev key", async () => {
    const head = gitIn(h.root, 'rev-parse', 'HEAD').trim();
    const lens = find(await lensesOf(h, uri), /^Roll out HEAD/);
    assert.equal(lens.command?.title, `Roll out HEAD (${head.slice(0, 7)} "init") to dev`);
    assert.equal(lens.command?.command, 'atmosDeployments.rollOut');
    assert.deepEqual(lens.command?.arguments, [
      { deployment: 'payment-service', target: 'dev', gitSha: head },
    ]);
    // PAYMENT's `dev:` key, line 9.
    assert.deepEqual(lens.range.start, { line: 8, character: 4 });
  });

  test('a blocked lens opens the explanation, carrying the step that unblocks it', async () => {
    const head = gitIn(h.root, 'rev-parse', 'HEAD').trim();
    const lenses = await lensesOf(h, uri);
    const devStaging = find(lenses, /^dev → staging: blocked: nothing deployed in dev$/);
    assert.equal(devStaging.command?.command, 'atmosDeployments.showPlan');
    const args = devStaging.command?.arguments?.[0] as BlockedLensArgs;
    assert.equal(args.deployment, 'payment-service');
    assert.equal(args.edge.why, 'nothing deployed in dev');
    assert.deepEqual(args.unblock, {
      kind: 'rollOut',
      target: 'dev',
      gitSha: head,
      title: `Roll Out HEAD (${head.slice(0, 7)}) to dev`,
    });
    // staging is not an entry point: what unblocks staging → prod is a promotion into staging.
    const stagingProd = find(lenses, /^staging → prod: blocked/);
    assert.deepEqual((stagingProd.command?.arguments?.[0] as BlockedLensArgs).unblock, {
      kind: 'promote',
      target: 'staging',
      title: 'Promote to staging',
    });
  });

  test('a new commit moves the lens to the new HEAD, and a long subject is cut', async () => {
    const before = h.codeLensRefreshes;
    const subject = `Bump the api image and explain at length why it was needed ${'x'.repeat(40)}`;
    gitIn(h.root, 'commit', '-q', '--allow-empty', '-m', subject);
    const head = gitIn(h.root, 'rev-parse', 'HEAD').trim();
    // No request of ours moved HEAD: only the watcher of the branch refs can refresh the lens.
    await h.until(() => (h.codeLensRefreshes > before ? true : undefined), 'codeLens refresh');
    const lens = find(await lensesOf(h, uri), /^Roll out HEAD/);
    assert.equal(
      lens.command?.title,
      `Roll out HEAD (${head.slice(0, 7)} "${subject.slice(0, 49)}…") to dev`,
    );
    assert.deepEqual(lens.command?.arguments, [
      { deployment: 'payment-service', target: 'dev', gitSha: head },
    ]);
  });

  test('once dev runs HEAD the lens says so and runs nothing; the next edge is ready', async () => {
    const head = gitIn(h.root, 'rev-parse', 'HEAD').trim();
    const r = await h.request<ApplyResult>('atmosDeployments/applyRollout', {
      deployment: 'payment-service',
      target: 'dev',
      gitSha: head,
    });
    assert.equal(r.ok, true, r.message);
    // The server invalidates its live state on its own rollout; poll until the lens has read it.
    let lenses: CodeLens[] = [];
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      lenses = await lensesOf(h, uri);
      if (lenses.some((x) => /^dev runs HEAD/.test(x.command?.title ?? ''))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const dev = find(lenses, /^dev runs HEAD/);
    assert.match(dev.command!.title, new RegExp(`^dev runs HEAD \\(${head.slice(0, 7)} "Bump`));
    assert.equal(dev.command?.command, '');
    assert.equal(find(lenses, /^dev → staging/).command?.command, 'atmosDeployments.promote');
  });
});

describe('the first step where git cannot name a commit, and on a cycle', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      files: {
        'deployments/payment.yaml': PAYMENT,
        'deployments/loop.yaml': LOOP,
      },
      // A repository with no commit yet: HEAD names nothing.
      prepare: (root) => gitIn(root, 'init', '-q', '-b', 'main'),
    });
  });
  after(() => h.stop());

  test('no commits: the lens offers Roll Out without a commit, whose checks then say why', async () => {
    const uri = await h.open('deployments/payment.yaml', PAYMENT);
    const lenses = await lensesOf(h, uri);
    const entry = find(lenses, /^Roll out to dev$/);
    assert.equal(entry.command?.command, 'atmosDeployments.rollOut');
    assert.deepEqual(entry.command?.arguments, [{ deployment: 'payment-service', target: 'dev' }]);
    const blocked = find(lenses, /^dev → staging: blocked/);
    assert.deepEqual((blocked.command?.arguments?.[0] as BlockedLensArgs).unblock, {
      kind: 'rollOut',
      target: 'dev',
      title: 'Roll Out to dev',
    });
  });

  test('an edge on a promotion cycle is explained, with no step offered', async () => {
    const uri = await h.open('deployments/loop.yaml', LOOP);
    const lenses = await lensesOf(h, uri);
    const cyclic = find(lenses, /^a → b: blocked: promotion cycle/);
    assert.equal(cyclic.command?.command, 'atmosDeployments.showPlan');
    const args = cyclic.command?.arguments?.[0] as BlockedLensArgs;
    assert.equal(args.unblock, undefined);
    assert.match(args.edge.why ?? '', /^promotion cycle /);
  });
});

const LOOP = `deployment:
  name: loop
  targets:
    dev: {}
    a:
      promotion:
        from: b
    b:
      promotion:
        from: a
`;
