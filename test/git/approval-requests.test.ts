/**
 * The request → wait → approve flow (design section 11, issue 15 items 4 and 6) between two
 * clones of a remote served over smart HTTP, with real people and keys: carol rolls out with
 * `--wait` in her clone; alice and bob approve, or decline, in theirs. Each waiting rollout is
 * the built CLI as a child process, so polling, backoff and Ctrl+C are the real ones.
 * Run: node esbuild.mjs && npx tsx --test test/git/approval-requests.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliStart, git, type Running } from './helpers';
import { startHttpRemote, type HttpRemote } from './http-remote';
import { person, reviewRepo, run, type Person } from './review-helpers';

const PAY = `deployment:
  name: pay
  components:
    terraform:
      api: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
    dr:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
        min_approvals: 2
    eu:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
    ap:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
    us:
      promotion:
        from: staging
        requires_approval: true
        approval_method: review
        approvers: [alice@example.com, bob@example.com]
`;

const REQUESTS = 'refs/atmos/requests/pay/';

/** Resolves once `pred` holds, polling every 100 ms; fails after `ms`. */
async function until(
  what: string,
  pred: () => boolean,
  running?: Running,
  ms = 20_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}${running ? `\n${running.stdout()}\n${running.stderr()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('approval requests over a smart-HTTP remote, two clones, real keys', () => {
  let remote: HttpRemote;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  let mine: string;
  let theirs: string;

  const waitFor = (target: string, ...more: string[]): Running =>
    cliStart(
      mine,
      [
        'rollout',
        'pay',
        '--target',
        target,
        '--promote-from',
        'staging',
        '--remote',
        'origin',
        '--poll-interval',
        '200ms',
        ...more,
      ],
      carol.env,
    );
  const approve = (who: Person, target: string) =>
    run(theirs, who, [
      'approve',
      'pay',
      '--target',
      target,
      '--promote-from',
      'staging',
      '--remote',
      'origin',
    ]);
  const onRemote = (target: string) => remote.refs().includes(`${REQUESTS}${target} `);

  before(async () => {
    alice = person('alice');
    bob = person('bob');
    carol = person('carol');
    dave = person('dave');
    const source = reviewRepo(PAY, [alice, bob, carol, dave], carol);
    remote = await startHttpRemote({ source });
    mine = mkdtempSync(path.join(tmpdir(), 'atmos-carol-'));
    theirs = mkdtempSync(path.join(tmpdir(), 'atmos-reviewers-'));
    git(mine, ['clone', '-q', remote.url, '.'], carol.env);
    git(theirs, ['clone', '-q', remote.url, '.'], alice.env);
    for (const args of [
      ['rollout', 'pay', '--target', 'dev', '--remote', 'origin'],
      ['rollout', 'pay', '--target', 'staging', '--promote-from', 'dev', '--remote', 'origin'],
    ]) {
      const r = run(mine, carol, args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => remote.stop());

  it('carol waits; alice sees it as hers in `approvals`, approves in her clone; the rollout finishes and closes the request', async () => {
    const waiting = waitFor('prod', '--wait', '1m');
    await until('the request on the remote', () => onRemote('prod'), waiting);
    const listed = run(theirs, alice, [
      'approvals',
      'pay',
      '--remote',
      'origin',
      '--format',
      'json',
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    const [req] = JSON.parse(listed.stdout).requests;
    assert.equal(req.target, 'prod');
    assert.equal(req.requestedBy, 'carol@example.com');
    assert.equal(req.yours, true);
    assert.deepEqual(req.approvers, ['alice@example.com', 'bob@example.com']);
    // Carol is the requester: the request is not hers to approve.
    const hers = run(mine, carol, ['approvals', '--remote', 'origin', '--format', 'json']);
    assert.equal(JSON.parse(hers.stdout).requests[0].yours, false);
    const text = run(theirs, alice, ['approvals', '--remote', 'origin']);
    assert.match(text.stdout, /pay: staging → prod \(open\)\s+← yours to approve/);

    const approvedAt = Date.now();
    const a = approve(alice, 'prod');
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /the open request of carol@example\.com/);
    const r = await waiting.done;
    const took = Date.now() - approvedAt;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = [
      '→ Validating promotion path: staging → prod ✓',
      '→ Requesting approval...',
      '→ Approval request sent to: alice@example.com, bob@example.com',
      '→ Waiting for approval (timeout: 1m)...',
      '→ Approval received from: alice@example.com at ',
      '→ Rolling out to prod...',
      '✓ Recorded the rollout of pay to prod from staging',
    ];
    let at = -1;
    for (const l of lines) {
      const next = r.stdout.indexOf(l, at + 1);
      assert.ok(next > at, `missing or out of order: ${l}\n${r.stdout}`);
      at = next;
    }
    // Backoff starts at 200 ms and is capped at 8 times that: a few intervals, not minutes.
    assert.ok(took < 10_000, `the rollout took ${took} ms after the approval`);
    assert.ok(!onRemote('prod'), 'the request was not closed on the remote');
    assert.ok(remote.refs().includes('refs/atmos/deployments/pay/prod/api'));
    const v = run(theirs, alice, ['verify', '--remote', 'origin']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('with min_approvals: 2 it waits for the second approver; the deployer’s own approval does not count', async () => {
    const waiting = waitFor('dr', '--wait', '1m');
    await until('the request on the remote', () => onRemote('dr'));
    const own = run(mine, carol, [
      'approve',
      'pay',
      '--target',
      'dr',
      '--promote-from',
      'staging',
      '--remote',
      'origin',
    ]);
    assert.notEqual(own.code, 0, 'carol is not an approver of dr and must be refused');
    assert.equal(approve(alice, 'dr').code, 0);
    await until('the first approval to be seen', () =>
      waiting.stdout().includes('Approval received from: alice@example.com'),
    );
    assert.match(waiting.stdout(), /1 of 2 approvals: alice@example\.com; waiting for more/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(waiting.child.exitCode, null, 'rolled out with one of two approvals');
    assert.equal(approve(bob, 'dr').code, 0);
    const r = await waiting.done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Approval received from: bob@example\.com/);
    assert.ok(!onRemote('dr'));
  });

  it('a timeout exits 3 and leaves the request open; running again takes it up', async () => {
    const first = await waitFor('eu', '--wait', '1s').done;
    assert.equal(first.code, 3, first.stdout + first.stderr);
    assert.match(first.stderr, /No approval for pay\/eu arrived in time\. The request stays open/);
    assert.ok(onRemote('eu'), 'the request did not stay open on the remote');
    const again = waitFor('eu', '--wait', '1m');
    await until('the second wait', () => again.stdout().includes('Waiting for approval'));
    assert.match(again.stdout(), /Taking up the open request of .* for this same plan/);
    assert.equal(approve(bob, 'eu').code, 0);
    const r = await again.done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('a plain rollout of an approved request closes it, in the same atomic push', async () => {
    const first = await waitFor('ap', '--wait', '1s').done;
    assert.equal(first.code, 3, first.stdout + first.stderr);
    assert.ok(onRemote('ap'));
    assert.equal(approve(alice, 'ap').code, 0);
    const r = run(mine, carol, [
      'rollout',
      'pay',
      '--target',
      'ap',
      '--promote-from',
      'staging',
      '--remote',
      'origin',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(!onRemote('ap'), 'the approved and rolled-out request is still open');
    const listed = run(theirs, alice, [
      'approvals',
      'pay',
      '--remote',
      'origin',
      '--format',
      'json',
    ]);
    assert.deepEqual(JSON.parse(listed.stdout).requests, []);
  });

  it('an unlisted or unsigned decline is ignored with its reason; a listed approver’s decline ends the wait with exit 1', async () => {
    const waiting = waitFor('us', '--wait', '1m');
    await until('the request on the remote', () => onRemote('us'));
    const byDave = run(theirs, dave, [
      'decline',
      'pay',
      '--target',
      'us',
      '--reason',
      'no',
      '--remote',
      'origin',
    ]);
    assert.equal(byDave.code, 1, byDave.stdout + byDave.stderr);
    assert.match(byDave.stderr, /dave@example\.com is not an approver of pay\/us/);
    // Someone with push access writes an unsigned decline in bob's name with plain git.
    git(theirs, ['fetch', '-q', 'origin', `+${REQUESTS}us:${REQUESTS}us`], bob.env);
    const tip = git(theirs, ['rev-parse', `${REQUESTS}us`], bob.env).trim();
    const forged = JSON.stringify({
      kind: 'decline',
      deployment: 'pay',
      target: 'us',
      declined_by: 'bob@example.com',
      declined_at: '2026-01-01T00:00:00Z',
      reason: 'forged',
    });
    const tree = git(theirs, ['hash-object', '-w', '-t', 'tree', '--stdin'], bob.env).trim();
    const c = git(theirs, ['commit-tree', '-p', tip, '-m', forged, tree], bob.env).trim();
    git(theirs, ['push', '-q', 'origin', `${c}:${REQUESTS}us`], bob.env);
    await until('the forged decline to be reported', () =>
      waiting.stdout().includes('the decline by bob@example.com does not count: it is not signed'),
    );
    assert.equal(waiting.child.exitCode, null, 'an unsigned decline ended the wait');
    const d = run(theirs, bob, [
      'decline',
      'pay',
      '--target',
      'us',
      '--reason',
      'freeze until Monday',
      '--remote',
      'origin',
    ]);
    assert.equal(d.code, 0, d.stderr);
    const r = await waiting.done;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /Declined by bob@example\.com at .*: freeze until Monday\. Nothing was deployed/,
    );
    assert.ok(!remote.refs().includes('refs/atmos/deployments/pay/us/'));
  });

  it('a damaged request written with plain git is reported and ignored; the list and the rollout carry on', () => {
    const tree = git(mine, ['hash-object', '-w', '-t', 'tree', '--stdin'], carol.env).trim();
    const junk = git(
      mine,
      ['commit-tree', '-m', '{"kind":"request","target":7}', tree],
      carol.env,
    ).trim();
    git(mine, ['update-ref', `${REQUESTS}dev`, junk], carol.env);
    const open = run(mine, carol, ['approvals', 'pay', '--format', 'json']);
    assert.equal(open.code, 0, open.stderr);
    assert.ok(
      !JSON.parse(open.stdout).requests.some((r: { target: string }) => r.target === 'dev'),
    );
    const all = run(mine, carol, ['approvals', 'pay', '--all', '--format', 'json']);
    const damaged = JSON.parse(all.stdout).requests.find(
      (r: { target: string }) => r.target === 'dev',
    );
    assert.equal(damaged.state, 'damaged');
    assert.match(
      damaged.problems.join('\n'),
      /refs\/atmos\/requests\/pay\/dev is damaged and ignored: its request lacks fields/,
    );
    const r = run(mine, carol, ['rollout', 'pay', '--target', 'dev']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    git(mine, ['update-ref', '-d', `${REQUESTS}dev`], carol.env);
  });

  it('Ctrl+C withdraws the request from the remote', async () => {
    // The us request was declined; a new rollout replaces the closed request with a new one.
    const waiting = waitFor('us', '--wait', '1m');
    await until('the request on the remote', () =>
      waiting.stdout().includes('Waiting for approval'),
    );
    assert.ok(onRemote('us'));
    waiting.child.kill('SIGINT');
    const r = await waiting.done;
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /Stopped waiting; the approval request for pay\/us was withdrawn/);
    assert.ok(!onRemote('us'), 'the request is still on the remote');
  });

  it('an unreachable remote is retried and said so; the wait ends at the timeout with exit 3', async () => {
    const waiting = waitFor('us', '--wait', '4s');
    await until('the request on the remote', () =>
      waiting.stdout().includes('Waiting for approval'),
    );
    git(mine, ['remote', 'set-url', 'origin', 'http://127.0.0.1:9/nowhere.git'], carol.env);
    try {
      const r = await waiting.done;
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /! Could not reach origin .*; retrying in/);
      assert.match(r.stderr, /the remote could not be reached at the end/);
    } finally {
      git(mine, ['remote', 'set-url', 'origin', remote.url], carol.env);
    }
  });
});
