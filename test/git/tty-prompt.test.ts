/**
 * On a terminal, a rollout that needs approval asks `Approve deployment? [y/N]:` (the spec's
 * prompt) instead of exiting 3. util-linux `script` gives the CLI a real pseudo-terminal; the
 * test answers only once the prompt has appeared.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { atmosRefs, CLI, cli, ENV, git, makeRepo } from './helpers';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI on a pseudo-terminal and types `answer` at the approval prompt. */
function onTerminal(
  cwd: string,
  args: string[],
  answer: string,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CLI, ...args, '--cwd', cwd].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: ENV });
    let screen = '';
    let answered = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt within 20 s; the terminal showed:\n${screen}`));
    }, 20_000);
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString();
      if (!answered && screen.includes('Approve deployment? [y/N]:')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

function promotedToStaging(): string {
  const repo = makeRepo();
  assert.equal(cli(repo, ['rollout', 'payment-service', '--target', 'dev']).code, 0);
  const r = cli(repo, [
    'rollout',
    'payment-service',
    '--target',
    'staging',
    '--promote-from',
    'dev',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return repo;
}

const PROD = ['rollout', 'payment-service', '--target', 'prod', '--promote-from', 'staging'];

describe(
  'the approval prompt on a terminal',
  // npm test's git stage installs `script` (scripts/ensure-tools.mjs); without it the tests fail
  // with that remedy rather than skip, since a skip would pass whatever the prompt does.
  () => {
    before(() =>
      assert.ok(
        hasScript,
        'util-linux `script` is not installed: run node scripts/ensure-tools.mjs script=bsdutils',
      ),
    );

    it('y records the approval note and the rollout', async () => {
      const repo = promotedToStaging();
      const r = await onTerminal(repo, PROD, 'y');
      assert.equal(r.code, 0, r.screen);
      assert.match(r.screen, /Manual approval required for prod deployment/);
      assert.match(r.screen, /Recording approval as git note/);
      const prod = atmosRefs(repo, 'refs/atmos/deployments/payment-service/prod/');
      assert.equal(Object.keys(prod).length, 3);
      const note = git(repo, [
        'notes',
        '--ref=atmos/payment-service/approvals',
        'show',
        Object.values(prod)[0],
      ]);
      const approval = JSON.parse(note.trim().split('\n').pop()!) as Record<string, unknown>;
      assert.equal(approval.approved_by, 'ci@example.com');
      assert.equal(approval.target, 'prod');
      assert.equal(approval.promoted_from, 'staging');
    });

    it('n (or just Enter) writes nothing and exits 3', async () => {
      for (const answer of ['n', '']) {
        const repo = promotedToStaging();
        const r = await onTerminal(repo, PROD, answer);
        assert.equal(r.code, 3, r.screen);
        assert.match(r.screen, /was not approved; nothing was written/);
        assert.deepEqual(atmosRefs(repo, 'refs/atmos/deployments/payment-service/prod/'), {});
        assert.equal(
          spawnSync(
            'git',
            ['rev-parse', '-q', '--verify', 'refs/notes/atmos/payment-service/approvals'],
            {
              cwd: repo,
              env: ENV,
            },
          ).status,
          1,
          'no approval note',
        );
      }
    });
  },
);
