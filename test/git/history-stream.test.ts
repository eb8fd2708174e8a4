/**
 * `history` reads the tags and their messages in one `git for-each-ref` as git writes them: the
 * order is the records' time (a second's `-2`, `-10` suffixes in number order), a default limit
 * says how to see more, `--limit 0` shows all, and the store hands the listing over in pieces
 * and ends git when the reader stops.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatTagMessage, tagName, type DeploymentRecord } from '../../server/src/core';
import { GitStoreError, SimpleGitStore } from '../../server/src/git';
import { OBJECT_HEADER_FORMAT, tagObjects } from '../../server/src/git/tag-stream';
import { CLI, cli, ENV, git, head, makeRepo } from './helpers';

const D = 'payment-service';

interface TagSpec {
  target: string;
  component: string;
  /** `2025-01-01T00-00-00Z` form. */
  stamp: string;
  seq?: number;
  /** A message that is not a deployment record. */
  message?: string;
}

/** Writes annotated tags in one `git fast-import` (a process per tag would take minutes). */
function writeTags(repo: string, specs: TagSpec[], padding = ''): string[] {
  const sha = head(repo);
  const names: string[] = [];
  const parts: string[] = [];
  for (const s of specs) {
    const name = tagName(D, s.target, s.component, s.stamp, s.seq);
    const iso = s.stamp.replace(/T(\d\d)-(\d\d)-(\d\d)Z/, 'T$1:$2:$3Z');
    const record: DeploymentRecord = {
      deployment: D,
      target: s.target,
      component: s.component,
      deployed_by: 'ci@example.com',
      build_id: '',
      git_sha: sha,
      timestamp: iso,
      status: 'success',
      metadata: padding ? { note: padding } : {},
    };
    const message = s.message ?? formatTagMessage(record);
    const seconds = Math.floor(Date.parse(iso) / 1000);
    parts.push(
      `tag ${name}\nfrom ${sha}\ntagger CI <ci@example.com> ${seconds} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`,
    );
    names.push(name);
  }
  git(repo, ['fast-import', '--quiet'], undefined, parts.join(''));
  return names;
}

/** `2025-01-01T00-00-00Z` plus `i` seconds. */
function stamp(i: number): string {
  return new Date(Date.UTC(2025, 0, 1) + i * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}

function historyJson(
  repo: string,
  args: string[],
): { entries: Array<{ tag: string }>; more?: boolean; text: string } {
  const r = cli(repo, ['history', D, '--format', 'json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { entries: Array<{ tag: string }>; more?: boolean };
  return { ...parsed, text: r.stdout };
}

/**
 * Runs `fn` with GIT_TRACE2_EVENT set (in this process for the store, and in `env` for a child)
 * and returns the clean exit of the pipeline's `cat-file`, if it had one: a process that is
 * stopped (by a signal, or a failed write) never reports one.
 */
async function traced(
  fn: (env: NodeJS.ProcessEnv) => Promise<void>,
): Promise<{ event: string } | undefined> {
  const trace = path.join(tmpdir(), `atmos-history-trace-${process.pid}-${++traces}.json`);
  rmSync(trace, { force: true });
  process.env.GIT_TRACE2_EVENT = trace;
  try {
    await fn({ GIT_TRACE2_EVENT: trace });
  } finally {
    delete process.env.GIT_TRACE2_EVENT;
  }
  const events = readFileSync(trace, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; sid: string; name?: string; code?: number });
  rmSync(trace, { force: true });
  const catFile = new Set(
    events.filter((e) => e.event === 'cmd_name' && e.name === 'cat-file').map((e) => e.sid),
  );
  assert.equal(catFile.size, 1, 'one cat-file process');
  return events.find((e) => catFile.has(e.sid) && e.event === 'exit' && e.code === 0);
}
let traces = 0;

describe('history read as git lists it', () => {
  it('orders by the record time, a second by its -2, -10 suffixes as numbers, then by name', () => {
    const repo = makeRepo();
    const t0 = stamp(0);
    const names = writeTags(repo, [
      { target: 'dev', component: 'database', stamp: stamp(-1) },
      { target: 'dev', component: 'api', stamp: t0 },
      { target: 'dev', component: 'api', stamp: t0, seq: 2 },
      { target: 'dev', component: 'api', stamp: t0, seq: 10 },
      { target: 'dev', component: 'worker', stamp: t0 },
      { target: 'staging', component: 'api', stamp: stamp(1) },
      { target: 'prod', component: 'api', stamp: stamp(2), message: 'a hand-written tag\n' },
    ]);
    // A lightweight tag and another deployment's tag are not records of this one.
    git(repo, ['tag', `atmos/deployments/${D}/dev/api/${stamp(3)}`]);
    git(repo, ['tag', '-a', '-m', 'x', `atmos/deployments/${D}-2/dev/api/${stamp(4)}`]);
    const { entries, more, text } = historyJson(repo, ['--limit', '0']);
    assert.deepEqual(
      entries.map((e) => e.tag),
      [names[5], names[3], names[2], names[4], names[1], names[0]],
    );
    assert.equal(more, undefined);
    // The streamed JSON is laid out exactly as JSON.stringify would lay it out.
    assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);

    const devApi = historyJson(repo, ['--limit', '0', '--target', 'dev', '--component', 'api']);
    assert.deepEqual(
      devApi.entries.map((e) => e.tag),
      [names[3], names[2], names[1]],
    );
  });

  it('shows the newest 50 by default and says how to see more; --limit 0 shows all', () => {
    const repo = makeRepo();
    const names = writeTags(
      repo,
      Array.from({ length: 60 }, (_, i) => ({ target: 'dev', component: 'api', stamp: stamp(i) })),
    );
    const newestFirst = [...names].reverse();

    const byDefault = cli(repo, ['history', D]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const lines = byDefault.stdout.trim().split('\n');
    assert.equal(lines.length, 50);
    assert.match(
      lines[0],
      new RegExp(`^${stamp(59).replace(/T(\d\d)-(\d\d)-(\d\d)Z/, 'T$1:$2:$3Z')}`),
    );
    assert.match(byDefault.stderr, /newest 50.*--limit <n>.*--limit 0/s);

    const all = cli(repo, ['history', D, '--limit', '0']);
    assert.equal(all.stdout.trim().split('\n').length, 60);
    assert.equal(all.stderr, '');
    const exact = cli(repo, ['history', D, '--limit', '60']);
    assert.equal(exact.stdout.trim().split('\n').length, 60);
    assert.equal(exact.stderr, '', 'no hint when nothing more is recorded');

    const json = historyJson(repo, []);
    assert.deepEqual(
      json.entries.map((e) => e.tag),
      newestFirst.slice(0, 50),
    );
    assert.equal(json.more, true);
    assert.equal(json.text, `${JSON.stringify(JSON.parse(json.text), null, 2)}\n`);
    const allJson = historyJson(repo, ['--limit', '0']);
    assert.deepEqual(
      allJson.entries.map((e) => e.tag),
      newestFirst,
    );
    assert.equal(allJson.more, undefined);
  });

  it('the store hands the listing over in pieces, and leaving early ends git', async () => {
    const repo = makeRepo();
    const n = 3000;
    // About 600 bytes a row: the listing is near 2 MB, far more than a pipe holds.
    writeTags(
      repo,
      Array.from({ length: n }, (_, i) => ({
        target: 'dev',
        component: `svc-${i % 7}`,
        stamp: stamp(i),
      })),
      'x'.repeat(400),
    );
    const prefix = `refs/tags/atmos/deployments/${D}/`;
    const store = new SimpleGitStore(repo);
    let groups = 0;
    let rows = 0;
    let previous = '~';
    for await (const group of store.tagsNewestFirst([prefix])) {
      groups++;
      for (const row of group) {
        rows++;
        const s = row.ref.slice(row.ref.lastIndexOf('/') + 1);
        assert.ok(s < previous, `${s} after ${previous}`);
        previous = s;
        assert.ok(row.tag?.message.includes('x'.repeat(400)));
      }
    }
    assert.equal(rows, n);
    assert.ok(groups > 10, `read in ${groups} pieces`);

    const early = await traced(async () => {
      const store = new SimpleGitStore(repo);
      for await (const group of store.tagsNewestFirst([prefix])) {
        assert.ok(group.length > 0);
        break;
      }
    });
    assert.equal(early, undefined, 'cat-file read every tag after the loop was left');

    // `history --limit 0 | head`: the reader goes away after the first lines, and git stops.
    const piped = await traced(
      (env) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'history', D, '--limit', '0'], {
            cwd: repo,
            env: { ...ENV, ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          child.stdout.once('data', () => child.stdout.destroy());
          child.on('close', () => resolve());
        }),
    );
    assert.equal(piped, undefined, 'cat-file read every tag after the reader went away');
  });

  it("a git failure in the pipeline is thrown with git's reason once the output has ended", async () => {
    const notRepo = mkdtempSync(path.join(tmpdir(), 'atmos-not-a-repo-'));
    const store = new SimpleGitStore(notRepo);
    await assert.rejects(
      async () => {
        for await (const group of store.tagsNewestFirst(['refs/tags/atmos/deployments/x/']))
          assert.fail(`read ${group.length} tags outside a repository`);
      },
      (err: unknown) => err instanceof GitStoreError && err.kind === 'not-a-repo',
    );
  });

  it('parses cat-file output the same however git splits it into chunks', async () => {
    const repo = makeRepo();
    const names = writeTags(
      repo,
      Array.from({ length: 5 }, (_, i) => ({ target: 'dev', component: 'api', stamp: stamp(i) })),
      'é'.repeat(50),
    );
    git(repo, ['tag', 'atmos/deployments/light']);
    const refs = [...names.map((n) => `refs/tags/${n}`), 'refs/tags/atmos/deployments/light'];
    const input = `${refs.map((r) => `${git(repo, ['rev-parse', r]).trim()} ${r}`).join('\n')}\n${'0'.repeat(40)} refs/tags/gone\n`;
    const output = Buffer.from(
      spawnSync('git', ['cat-file', `--batch=${OBJECT_HEADER_FORMAT}`], { cwd: repo, input })
        .stdout,
    );
    const parse = async (size: number) => {
      async function* chunks() {
        for (let at = 0; at < output.length; at += size) yield output.subarray(at, at + size);
      }
      const tags = [];
      for await (const group of tagObjects(chunks())) tags.push(...group);
      return tags;
    };
    const whole = await parse(output.length);
    assert.deepEqual(
      whole.map((t) => t.ref),
      refs,
      'every listed ref in order, the missing name left out',
    );
    assert.equal(whole[5].tag, undefined, 'a lightweight tag has no tag object');
    assert.ok(whole[0].tag?.message.includes('é'.repeat(50)));
    for (const size of [1, 2, 7, 64, 333])
      assert.deepEqual(await parse(size), whole, `chunks of ${size}`);
  });
});
