// recorded-component-conflict in the editor (issue 16 item 1): the server reads what git has
// recorded for an open file's deployment (the live state the hover uses) and warns at a
// component that cannot be recorded beside a recorded one; once the old one is retired with
// the CLI, the refs change and the warning goes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CLI, testEnv } from '../git/helpers';
import { gitIn as git, Harness, startInGitRepo } from './harness';

const yaml = (component: string) => `deployment:
  name: pay
  components:
    terraform:
      ${component}: {}
  targets:
    dev: {}
`;

function cli(cwd: string, ...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], {
    cwd,
    env: testEnv(),
    encoding: 'utf8',
    stdio: 'pipe',
  });
}

describe('recorded-component-conflict in the language server', () => {
  let h: Harness;
  before(async () => {
    h = await startInGitRepo(
      { 'deployments/pay.yaml': yaml('ecs') },
      { deployment: 'pay', target: 'dev' },
    );
    cli(h.root, 'rollout', 'pay', '--target', 'dev');
  });
  after(() => h.stop());

  test('warns at the renamed component, and stops once the old one is retired', async () => {
    const uri = h.uri('deployments/pay.yaml');
    h.write('deployments/pay.yaml', yaml('ecs/api'));
    git(h.root, 'commit', '-qam', 'ecs is now ecs/api');
    const seq = h.publishes.length ? h.publishes[h.publishes.length - 1].seq : 0;
    await h.change(uri, yaml('ecs/api'));
    const warned = await h.diagnostics(
      uri,
      (d) => d.some((x) => x.code === 'recorded-component-conflict'),
      seq,
    );
    const w = warned.find((x) => x.code === 'recorded-component-conflict')!;
    assert.equal(w.range.start.line, 4);
    assert.equal(w.range.start.character, 6);
    assert.match(w.message, /git holds the recorded component 'ecs' in dev/);
    // The quick fix runs the client's retire command with what the server must retire.
    const actions = await h.request<
      Array<{ title: string; command?: { command: string; arguments: unknown[] } }>
    >('textDocument/codeAction', {
      textDocument: { uri },
      range: w.range,
      context: { diagnostics: [w] },
    });
    const fix = actions.find((a) => a.command?.command === 'atmosDeployments.retireComponent');
    assert.ok(fix, JSON.stringify(actions));
    assert.match(fix.title, /Retire the recorded component 'ecs'/);
    const args = fix.command!.arguments[0] as { deployment: string; component: string };
    assert.deepEqual([args.deployment, args.component], ['pay', 'ecs']);
    const after = h.publishes[h.publishes.length - 1].seq;
    const done = await h.request<{ message: string; refs: string[] }>('atmosDeployments/retire', {
      deployment: args.deployment,
      component: args.component,
    });
    assert.deepEqual(done.refs, ['refs/atmos/deployments/pay/dev/ecs']);
    await h.diagnostics(
      uri,
      (d) => !d.some((x) => x.code === 'recorded-component-conflict'),
      after,
    );
    // The new name records now.
    cli(h.root, 'rollout', 'pay', '--target', 'dev');
    assert.ok(git(h.root, 'for-each-ref', 'refs/atmos/deployments/pay/dev/ecs/api').trim());
  });
});
