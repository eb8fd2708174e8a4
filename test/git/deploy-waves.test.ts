/**
 * Rollouts that deploy in dependency waves (issue 20), through the built CLI on real
 * repositories with real shell commands: the order and overlap of a wave as the deploy command
 * itself logs them, `--parallelism`, a failed component stopping its dependents, what the
 * command is told (`ATMOS_VARS` with the target's context), the dry run's waves, a refused
 * dependency cycle, prefixed output, `--format json` output and `--deploy-timeout`.
 * Run: node esbuild.mjs && node --import tsx --test test/git/deploy-waves.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDeploymentFile } from '../../server/src/core';
import { applyRollout, openGitStore, RolloutError } from '../../server/src/rollout';
import { atmosRefs, cli, cliStart, git, head, makeRepo, tags } from './helpers';

const D = 'shop';
const SHOP = `deployment:
  name: shop
  stacks: [plat/dev-use1, "orgs/{a,b}/prod"]
  components:
    terraform:
      vpc:
        vars: { cidr: 10.0.0.0/16 }
      ecr:
        metadata: { depends_on: [terraform/vpc] }
      db:
        metadata: { depends_on: [terraform/vpc] }
    helmfile:
      api:
        vars: { replicas: 1, resources: { cpu: 100 } }
        metadata:
          depends_on: [terraform/ecr, terraform/db]
  targets:
    dev:
      context: { cpu: 256 }
    prod:
      context: { cpu: 2048, resources: { memory: 4096 } }
      vars: { replicas: 3 }
      promotion: { from: dev }
`;

function setup(text = SHOP): { dir: string; marks: string; log: string } {
  const dir = makeRepo({ 'shop.yaml': text });
  const marks = mkdtempSync(path.join(tmpdir(), 'atmos-waves-'));
  return { dir, marks, log: path.join(marks, 'log') };
}

/** A deploy command that logs when each component starts and ends, in milliseconds. */
function timedExec(log: string, extra = ''): string {
  return `echo "start $ATMOS_COMPONENT $(date +%s%3N)" >> '${log}'; sleep 0.5; ${extra} echo "end $ATMOS_COMPONENT $(date +%s%3N)" >> '${log}'`;
}

/** The logged start and end of each component. */
function spans(log: string): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const [what, c, ms] = line.split(' ');
    const s = out.get(c) ?? { start: NaN, end: NaN };
    s[what as 'start' | 'end'] = Number(ms);
    out.set(c, s);
  }
  return out;
}

function record(dir: string, component: string, target = 'dev'): string {
  const [tag] = tags(dir, `atmos/deployments/${D}/${target}/${component}/*`);
  assert.ok(tag, `no record of ${component}`);
  return git(dir, ['cat-file', '-p', tag]);
}

describe('deploy waves', () => {
  it('runs each wave after the one before, a wave at once, and --parallelism 1 one by one', () => {
    const { dir, log } = setup();
    const r = cli(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--exec',
      timedExec(log),
      '--parallelism',
      '2',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = spans(log);
    assert.deepEqual([...s.keys()].sort(), ['api', 'db', 'ecr', 'vpc']);
    const vpc = s.get('vpc')!;
    const ecr = s.get('ecr')!;
    const db = s.get('db')!;
    const api = s.get('api')!;
    // Wave 2 starts once vpc ended, and its two components overlap.
    assert.ok(ecr.start >= vpc.end && db.start >= vpc.end, JSON.stringify([...s]));
    assert.ok(
      ecr.start < db.end && db.start < ecr.end,
      `ecr and db overlap: ${JSON.stringify([...s])}`,
    );
    assert.ok(api.start >= Math.max(ecr.end, db.end), JSON.stringify([...s]));
    assert.match(r.stdout, /→ Wave 1 of 3: vpc\n/);
    assert.match(r.stdout, /→ Wave 2 of 3: ecr, db\n/);
    assert.match(r.stdout, /→ Wave 3 of 3: api\n/);

    writeFileSync(log, '');
    const one = cli(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--redeploy',
      '--exec',
      timedExec(log),
      '--parallelism',
      '1',
    ]);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    const t = spans(log);
    const [first, second] = [t.get('ecr')!, t.get('db')!].sort((a, b) => a.start - b.start);
    assert.ok(second.start >= first.end, `one at a time: ${JSON.stringify([...t])}`);
    assert.match(one.stdout, /→ Wave 2 of 3: ecr, db \(1 at a time\)\n/);
  });

  it('a failed component is recorded failed and its dependents are not run, named in the result', () => {
    const { dir, log } = setup();
    const exec = `echo "$ATMOS_COMPONENT" >> '${log}'; test "$ATMOS_COMPONENT" != db`;
    const r = cli(dir, ['rollout', D, '--target', 'dev', '--exec', exec, '--format', 'json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(), [
      'db',
      'ecr',
      'vpc',
    ]);
    const sha = head(dir);
    assert.deepEqual(Object.keys(atmosRefs(dir)).sort(), [
      `refs/atmos/deployments/${D}/dev/ecr`,
      `refs/atmos/deployments/${D}/dev/vpc`,
    ]);
    for (const c of ['db', 'api']) assert.match(record(dir, c), /\nstatus: failed\n/);
    assert.match(record(dir, 'ecr'), /\nstatus: success\n/);
    const out = JSON.parse(r.stdout);
    const api = out.recorded.find((x: { component: string }) => x.component === 'api');
    assert.equal(api.status, 'failed');
    assert.match(api.reason, /not run: it depends on db, whose deploy step failed/);
    assert.equal(
      out.recorded.find((x: { component: string }) => x.component === 'db').reason,
      'exit status 1',
    );
    assert.match(
      out.error.message,
      /failed: db \(exit status 1\), api \(not run: it depends on db/,
    );
    assert.equal(out.recorded[0].sha, sha);
  });

  it("tells the command its type, source, stacks, and vars with the target's context merged in", () => {
    const { dir, marks } = setup();
    const exec = `printf '%s\\n' "$ATMOS_COMPONENT_TYPE" "$ATMOS_PROMOTED_FROM" "$ATMOS_STACKS" "$ATMOS_VARS" > '${marks}/'"$(echo "$ATMOS_COMPONENT" | tr / _)"`;
    assert.equal(cli(dir, ['rollout', D, '--target', 'dev', '--exec', exec]).code, 0);
    const dev = readFileSync(path.join(marks, 'vpc'), 'utf8').split('\n');
    assert.deepEqual(dev.slice(0, 3), ['terraform', '', '["plat/dev-use1","orgs/{a,b}/prod"]']);
    assert.deepEqual(JSON.parse(dev[3]), { cidr: '10.0.0.0/16', cpu: 256 });
    const r = cli(dir, ['rollout', D, '--target', 'prod', '--promote-from', 'dev', '--exec', exec]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const prod = readFileSync(path.join(marks, 'api'), 'utf8').split('\n');
    assert.deepEqual(prod.slice(0, 2), ['helmfile', 'dev']);
    assert.deepEqual(JSON.parse(prod[3]), {
      replicas: 3,
      resources: { cpu: 100, memory: 4096 },
      cpu: 2048,
    });
  });

  it('--dry-run prints the waves and runs nothing', () => {
    const { dir, marks, log } = setup();
    const r = cli(dir, ['rollout', D, '--target', 'dev', '--dry-run', '--exec', `touch '${log}'`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /→ Wave 1 of 3: vpc\n→ Wave 2 of 3: ecr, db\n→ Wave 3 of 3: api\n/);
    assert.deepEqual(readdirSync(marks), []);
    assert.deepEqual(atmosRefs(dir, 'refs/atmos/'), {});
  });

  it('a dependency cycle or an unknown dependency refuses the rollout before anything runs', () => {
    for (const [bad, says] of [
      [
        SHOP.replace(
          'vars: { cidr',
          'metadata: { depends_on: [helmfile/api] }\n        vars: { cidr',
        ),
        /dependency-cycle/,
      ],
      [
        SHOP.replace('[terraform/vpc] }\n      db', '[terraform/vcp] }\n      db'),
        /unknown-dependency/,
      ],
    ] as const) {
      assert.notEqual(bad, SHOP);
      const { dir, marks, log } = setup(bad);
      const r = cli(dir, ['rollout', D, '--target', 'dev', '--exec', `touch '${log}'`]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, says);
      assert.deepEqual(readdirSync(marks), [], 'no deploy step ran');
      assert.deepEqual(atmosRefs(dir, 'refs/atmos/'), {}, 'nothing was written, no claim taken');
      assert.deepEqual(tags(dir), []);
    }
  });

  it('the rollout service itself refuses a cycle, as the editor calls it, before any deploy step', async () => {
    const text = SHOP.replace(
      'vars: { cidr',
      'metadata: { depends_on: [helmfile/api] }\n        vars: { cidr',
    );
    const { dir } = setup(text);
    const file = path.join(dir, 'deployments', 'shop.yaml');
    const deployment = parseDeploymentFile(text, file).deployment!;
    let ran = 0;
    await assert.rejects(
      applyRollout(openGitStore(dir), deployment, {
        policy: { file, text },
        target: 'dev',
        deploy: async () => (ran++, true),
      }),
      (err: unknown) =>
        err instanceof RolloutError &&
        err.kind === 'refused' &&
        /cycle: terraform\/vpc → helmfile\/api → terraform\/ecr → terraform\/vpc/.test(err.message),
    );
    assert.equal(ran, 0);
    assert.deepEqual(atmosRefs(dir, 'refs/atmos/'), {});
  });

  it('streams output with a component prefix, keeps it per component in JSON, and stops a hung command', () => {
    const { dir } = setup();
    const exec = `echo "hello from $ATMOS_COMPONENT"; echo "warn $ATMOS_COMPONENT" >&2; if [ "$ATMOS_COMPONENT" = ecr ]; then sleep 30; fi`;
    const text = cli(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--exec',
      exec,
      '--deploy-timeout',
      '1s',
    ]);
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /^vpc \| hello from vpc$/m);
    assert.match(text.stderr, /^vpc \| warn vpc$/m);
    assert.match(text.stdout, /✗ ecr: stopped after 1 s \(--deploy-timeout\)/);
    assert.match(text.stdout, /→ Recorded api \(failed: not run: it depends on ecr/);
    assert.match(record(dir, 'ecr'), /\nstatus: failed\n/);
    assert.match(record(dir, 'db'), /\nstatus: success\n/);

    const json = cli(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--redeploy',
      '--format',
      'json',
      '--exec',
      `echo "out $ATMOS_COMPONENT"`,
    ]);
    assert.equal(json.code, 0, json.stdout + json.stderr);
    const out = JSON.parse(json.stdout);
    assert.equal(
      out.recorded.find((x: { component: string }) => x.component === 'db').output,
      'out db\n',
    );
    assert.deepEqual(out.waves, [['vpc'], ['ecr', 'db'], ['api']]);
    assert.match(json.stderr, /^api \| out api$/m);
    assert.ok(!existsSync(path.join(dir, 'out')));
  });
  it('Ctrl+C stops the running commands, records what finished and the rest as failed, in one transaction', async () => {
    const { dir, marks } = setup();
    // ecr hangs (its shell's pid written first); db and vpc finish at once.
    const exec = `echo $$ > '${marks}/'"$ATMOS_COMPONENT.pid"; if [ "$ATMOS_COMPONENT" = ecr ]; then sleep 30; fi; touch '${marks}/'"$ATMOS_COMPONENT.done"`;
    const run = cliStart(dir, [
      'rollout',
      D,
      '--target',
      'dev',
      '--exec',
      exec,
      '--parallelism',
      '2',
    ]);
    const end = Date.now() + 20_000;
    const has = (f: string) => existsSync(path.join(marks, f));
    while (!(has('ecr.pid') && has('db.done'))) {
      assert.ok(Date.now() < end, `the deploy steps did not start\n${run.stdout()}${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ecrShell = Number(readFileSync(path.join(marks, 'ecr.pid'), 'utf8'));
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Interrupted: stopping the deploy steps/);
    assert.throws(() => process.kill(ecrShell, 0), 'the hung command was stopped');
    assert.ok(!has('ecr.done') && !has('api.pid'));
    assert.match(record(dir, 'vpc'), /\nstatus: success\n/);
    assert.match(record(dir, 'db'), /\nstatus: success\n/);
    assert.match(record(dir, 'ecr'), /\nstatus: failed\n/);
    assert.match(record(dir, 'api'), /\nstatus: failed\n/);
    assert.match(r.stdout, /→ Recorded ecr \(failed: stopped: the rollout was interrupted\)/);
    assert.match(r.stdout, /→ Recorded api \(failed: not run: the rollout was interrupted\)/);
    // The claim went with the records: the next rollout is not told someone is deploying.
    assert.deepEqual(Object.keys(atmosRefs(dir, 'refs/atmos/claims/')), []);
  });
});
