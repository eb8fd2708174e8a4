/**
 * Builds git repositories with tens of thousands of deployment records in seconds. Starting one
 * git process per ref or tag would take minutes, and even `git fast-import` spends most of its
 * time creating one loose ref file per tag. So the commits come from one fast-import, and the
 * annotated tag objects (byte for byte what `git tag -a` writes, in the spec's message format)
 * go into one pack read by `git index-pack`, with every ref written to `packed-refs`: the state
 * of a repository after `git gc`, which is where large ref counts live in practice.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  formatStatusIndex,
  formatTagMessage,
  isoSeconds,
  statusIndexRef,
  statusIndexTagName,
  TAG_MESSAGE_HEADER,
  tagName,
  tagTimestamp,
  type DeploymentRecord,
  type StatusIndexEntry,
} from '../server/src/core';

export const IDENTITY = { name: 'Bench', email: 'bench@example.com' };
/** Record times are offsets in seconds from this instant (2025-01-01T00:00:00Z). */
const BASE = Date.UTC(2025, 0, 1) / 1000;

export function git(
  cwd: string,
  args: string[],
  options: SpawnSyncOptions = {},
): { stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (r.status !== 0)
    throw new Error(`bench: git ${args.join(' ')} failed: ${String(r.stderr).slice(0, 500)}`);
  return { stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function initRepo(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `atmos-bench-git-${label}-`));
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', IDENTITY.name]);
  git(dir, ['config', 'user.email', IDENTITY.email]);
  // Background maintenance would compete with the timed commands.
  git(dir, ['config', 'gc.auto', '0']);
  git(dir, ['config', 'maintenance.auto', 'false']);
  return dir;
}

/** `n` commits on main (one fast-import); returns their SHAs, oldest first. */
export function addCommits(repo: string, n: number): string[] {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) {
    const msg = `commit ${i}\n`;
    parts.push(
      `commit refs/heads/main\ncommitter ${IDENTITY.name} <${IDENTITY.email}> ${BASE + i * 60} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}M 644 inline version.txt\ndata ${String(i).length + 1}\n${i}\n\n`,
    );
  }
  git(repo, ['fast-import', '--quiet'], { input: parts.join('') });
  git(repo, ['reset', '-q', '--hard', 'main']);
  return git(repo, ['rev-list', '--reverse', 'main']).stdout.trim().split('\n');
}

/**
 * Writes `deployments/<name>.yaml` and commits it: writes read their promotion rules from the
 * committed file (HEAD) and refuse a working-tree copy that is not committed.
 */
export function writeDeploymentFile(
  repo: string,
  name: string,
  targets: Array<{ name: string; from?: string; approval?: boolean }>,
  components: string[],
): void {
  const lines = ['deployment:', `  name: ${name}`, '  components:', '    terraform:'];
  for (const c of components) lines.push(`      ${c}: {}`);
  lines.push('  targets:');
  for (const t of targets) {
    if (!t.from) {
      lines.push(`    ${t.name}: {}`);
      continue;
    }
    lines.push(`    ${t.name}:`, '      promotion:', `        from: ${t.from}`);
    if (t.approval) lines.push('        requires_approval: true');
  }
  mkdirSync(path.join(repo, 'deployments'), { recursive: true });
  writeFileSync(path.join(repo, 'deployments', `${name}.yaml`), `${lines.join('\n')}\n`);
  git(repo, ['add', '--', `deployments/${name}.yaml`]);
  git(repo, ['commit', '-q', '--no-verify', '-m', `deployment ${name}`]);
}

interface PackedRef {
  ref: string;
  sha: string;
  peeled?: string;
}

/** Tag objects and refs collected in memory, written with `write`. */
export class RecordWriter {
  private readonly objects: Buffer[] = [];
  private readonly refs: PackedRef[] = [];
  private checked = false;

  ref(ref: string, sha: string): void {
    this.refs.push({ ref, sha });
  }

  /**
   * An annotated deployment tag with the spec's message, `at` seconds after 2025-01-01.
   * Returns what a status index entry for it holds.
   */
  deploymentTag(
    d: string,
    t: string,
    c: string,
    commit: string,
    at: number,
    from?: string,
  ): StatusIndexEntry {
    const date = new Date((BASE + at) * 1000);
    const name = tagName(d, t, c, tagTimestamp(date));
    const record: DeploymentRecord = {
      deployment: d,
      target: t,
      component: c,
      deployed_by: IDENTITY.email,
      build_id: `build-${at}`,
      git_sha: commit,
      timestamp: isoSeconds(date),
      status: 'success',
      promoted_from: from,
      promoted_at: from ? isoSeconds(date) : undefined,
      metadata: { pr: `#${at % 1000}`, jira: `PROJ-${at % 997}` },
    };
    const message = quickMessage(record);
    // The template is checked against the real formatter once, so the records stay exactly what
    // our CLI writes; the formatter itself is too slow for 50,000 tags.
    if (!this.checked) {
      const real = formatTagMessage(record);
      if (real !== message)
        throw new Error(`bench: tag message template differs from formatTagMessage:\n${real}`);
      this.checked = true;
    }
    const body = Buffer.from(
      `object ${commit}\ntype commit\ntag ${name}\ntagger ${IDENTITY.name} <${IDENTITY.email}> ${BASE + at} +0000\n\n${message}`,
    );
    const sha = createHash('sha1').update(`tag ${body.length}\0`).update(body).digest('hex');
    this.objects.push(body);
    this.refs.push({ ref: `refs/tags/${name}`, sha, peeled: commit });
    return {
      sha: commit,
      tag: name,
      deployed_at: record.timestamp,
      deployed_by: record.deployed_by,
      promoted_from: from,
    };
  }

  /** The status index object of one target and its ref, as a rollout of ours writes them. */
  statusIndex(d: string, t: string, components: Record<string, StatusIndexEntry>): void {
    const first = Object.values(components)[0];
    if (!first) return;
    const body = Buffer.from(
      `object ${first.sha}\ntype commit\ntag ${statusIndexTagName(d, t)}\ntagger ${IDENTITY.name} <${IDENTITY.email}> ${BASE} +0000\n\n${formatStatusIndex({ deployment: d, target: t, components })}`,
    );
    const sha = createHash('sha1').update(`tag ${body.length}\0`).update(body).digest('hex');
    this.objects.push(body);
    this.refs.push({ ref: statusIndexRef(d, t), sha, peeled: first.sha });
  }

  /** One pack through `git index-pack`, then every ref merged into `packed-refs`. */
  write(repo: string): void {
    if (this.objects.length) {
      const chunks: Buffer[] = [Buffer.from('PACK'), u32(2), u32(this.objects.length)];
      for (const body of this.objects) {
        chunks.push(objectHeader(4, body.length), deflateSync(body, { level: 1 }));
      }
      const pack = Buffer.concat(chunks);
      const trailer = createHash('sha1').update(pack).digest();
      git(repo, ['index-pack', '--stdin'], {
        input: Buffer.concat([pack, trailer]),
        encoding: 'buffer',
      });
    }
    git(repo, ['pack-refs', '--all']);
    const file = path.join(repo, '.git', 'packed-refs');
    const existing: PackedRef[] = [];
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line || line.startsWith('#')) continue;
        if (line.startsWith('^')) existing[existing.length - 1].peeled = line.slice(1);
        else {
          const [sha, ref] = line.split(' ');
          existing.push({ ref, sha });
        }
      }
    }
    const all = new Map<string, PackedRef>();
    for (const r of [...existing, ...this.refs]) all.set(r.ref, r);
    // Ref names here are ASCII, where string order is git's byte order.
    const sorted = [...all.values()].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
    const out = ['# pack-refs with: peeled fully-peeled sorted '];
    for (const r of sorted) {
      out.push(`${r.sha} ${r.ref}`);
      if (r.peeled) out.push(`^${r.peeled}`);
    }
    writeFileSync(file, `${out.join('\n')}\n`);
    this.objects.length = 0;
    this.refs.length = 0;
  }
}

/** formatTagMessage's output for the plain values the bench writes. */
function quickMessage(r: DeploymentRecord): string {
  const lines = [
    `deployment: ${r.deployment}`,
    `target: ${r.target}`,
    `component: ${r.component}`,
    `deployed_by: ${r.deployed_by}`,
    `build_id: ${r.build_id}`,
    `git_sha: ${r.git_sha}`,
    `timestamp: ${r.timestamp}`,
    `status: ${r.status}`,
  ];
  if (r.promoted_from) lines.push(`promoted_from: ${r.promoted_from}`);
  if (r.promoted_at) lines.push(`promoted_at: ${r.promoted_at}`);
  lines.push('metadata:', `  pr: "${r.metadata.pr}"`, `  jira: ${r.metadata.jira}`);
  return `${TAG_MESSAGE_HEADER}${lines.join('\n')}\n`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A pack entry header: type and inflated size, 4 bits then 7 bits per byte. */
function objectHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = size >>> 4;
  while (rest) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest >>>= 7;
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
