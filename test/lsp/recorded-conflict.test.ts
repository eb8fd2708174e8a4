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
    const after = h.publishes[h.publishes.length - 1].seq;
    cli(h.root, 'retire', 'pay', '--component', 'ecs');
    await h.diagnostics(
      uri,
      (d) => !d.some((x) => x.code === 'recorded-component-conflict'),
      after,
    );
  });
});
