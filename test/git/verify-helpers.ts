/**
 * Helpers for the verify tests: a repository with the `pay` deployment, records written with
 * plain git exactly as someone with push access could write them (annotated tags, update-ref,
 * notes), and `verify --format json` read back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, git, makeRepo } from './helpers';

export const PAY = `deployment:
  name: pay
  components:
    terraform:
      api: {}
      worker: {}
  targets:
    dev: {}
    staging:
      promotion:
        from: dev
    prod:
      promotion:
        from: staging
        requires_approval: true
`;

export const NOTES = 'refs/notes/atmos/pay/approvals';

export function payRepo(): string {
  return makeRepo({ 'pay.yaml': PAY });
}

export interface Finding {
  code: string;
  ref: string;
  message: string;
  deployment?: string;
  target?: string;
  component?: string;
}

export interface Verified {
  code: number | null;
  findings: Finding[];
  checked: Record<string, number>;
  gitProcesses: number;
  stderr: string;
}

export function verify(dir: string, args: string[] = []): Verified {
  const r = cli(dir, ['verify', '--format', 'json', ...args]);
  let body: { findings: Finding[]; checked: Record<string, number>; git_processes: number };
  try {
    body = JSON.parse(r.stdout) as typeof body;
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return {
    code: r.code,
    findings: body.findings,
    checked: body.checked,
    gitProcesses: body.git_processes,
    stderr: r.stderr,
  };
}

/** Asserts that a finding with this code names this ref, and says what was found otherwise. */
export function assertFinding(v: Verified, code: string, ref: string): Finding {
  const f = v.findings.find((x) => x.code === code && x.ref === ref);
  assert.ok(
    f,
    `expected ${code} on ${ref}; verify found:\n${v.findings.map((x) => `  ${x.ref}: ${x.code} ${x.message}`).join('\n') || '  nothing'}`,
  );
  assert.equal(v.code, 1, 'verify exits 1 on any finding');
  return f;
}

export function assertNoFinding(v: Verified, code: string, ref: string): void {
  const f = v.findings.find((x) => x.code === code && x.ref === ref);
  assert.equal(f, undefined, `did not expect ${code} on ${ref}: ${f?.message}`);
}

export function assertClean(v: Verified): void {
  assert.deepEqual(
    v.findings.map((f) => `${f.ref}: ${f.code} ${f.message}`),
    [],
    'verify should find nothing',
  );
  assert.equal(v.code, 0);
}

/** Runs the tool's rollout; fails the test when it does not succeed. */
export function rollout(dir: string, args: string[]): void {
  const r = cli(dir, ['rollout', 'pay', ...args]);
  assert.equal(r.code, 0, `rollout ${args.join(' ')} failed: ${r.stderr}`);
}

/** dev → staging → prod with the tool, prod approved with --approve. */
export function toolTrail(dir: string): void {
  rollout(dir, ['--target', 'dev']);
  rollout(dir, ['--target', 'staging', '--promote-from', 'dev']);
  rollout(dir, ['--target', 'prod', '--promote-from', 'staging', '--approve']);
}

export function tagRef(name: string): string {
  return `refs/tags/${name}`;
}

export function depRef(target: string, component: string, deployment = 'pay'): string {
  return `refs/atmos/deployments/${deployment}/${target}/${component}`;
}

/** A commit that no record knows, made without moving any branch. */
export function looseCommit(dir: string, message = 'unreviewed'): string {
  return git(dir, ['commit-tree', '-m', message, '-p', 'HEAD', 'HEAD^{tree}']).trim();
}

export interface HandRecord {
  deployment?: string;
  target: string;
  component: string;
  /** The `git_sha` the message claims. */
  sha: string;
  /** The commit the tag object points at; the claimed SHA by default. */
  object?: string;
  /** ISO time, seconds; names the tag too. */
  timestamp: string;
  status?: string;
  promoted_from?: string;
  metadata?: Record<string, string>;
  rollback_of?: string;
  policy_sha?: string;
  deployed_by?: string;
}

/** `2030-01-01T00:00:00Z` → `2030-01-01T00-00-00Z`. */
export function stamp(timestamp: string): string {
  return timestamp.replace(/:/g, '-');
}

export function handTagName(r: HandRecord): string {
  return `atmos/deployments/${r.deployment ?? 'pay'}/${r.target}/${r.component}/${stamp(r.timestamp)}`;
}

/** The record message an attacker types: the spec's header, then flat YAML. */
export function handMessage(r: HandRecord): string {
  const lines = [
    'atmos.tools/v1alpha1',
    'kind: Deployment',
    '---',
    `deployment: ${r.deployment ?? 'pay'}`,
    `target: ${r.target}`,
    `component: ${r.component}`,
    `deployed_by: ${r.deployed_by ?? 'mallory@example.com'}`,
    `build_id: ''`,
    `git_sha: ${r.sha}`,
    `timestamp: ${r.timestamp}`,
    `status: ${r.status ?? 'success'}`,
  ];
  if (r.promoted_from)
    lines.push(`promoted_from: ${r.promoted_from}`, `promoted_at: ${r.timestamp}`);
  if (r.metadata && Object.keys(r.metadata).length) {
    lines.push('metadata:');
    for (const [k, v] of Object.entries(r.metadata)) lines.push(`  ${k}: ${v}`);
  }
  if (r.rollback_of) lines.push(`rollback_of: ${r.rollback_of}`);
  if (r.policy_sha) lines.push(`policy_sha: ${r.policy_sha}`);
  return `${lines.join('\n')}\n`;
}

/** Writes an annotated tag with plain git and, unless told not to, moves the ref with it. */
export function handRecord(dir: string, r: HandRecord, { moveRef = true } = {}): string {
  const name = handTagName(r);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'atmos-msg-')), 'msg');
  writeFileSync(file, handMessage(r));
  git(dir, ['tag', '-a', name, '-F', file, r.object ?? r.sha]);
  if (moveRef && (r.status ?? 'success') !== 'failed')
    git(dir, ['update-ref', depRef(r.target, r.component, r.deployment), r.object ?? r.sha]);
  return name;
}

/** Appends an approval line to the note on `sha`, as `git notes append` does by hand. */
export function handApproval(
  dir: string,
  sha: string,
  a: {
    approved_by: string;
    approved_at: string;
    target: string;
    promoted_from: string;
    components: Record<string, string>;
  },
): void {
  const line = JSON.stringify({
    approved_by: a.approved_by,
    approved_at: a.approved_at,
    approver_role: '',
    target: a.target,
    deployment: 'pay',
    promoted_from: a.promoted_from,
    components: a.components,
  });
  git(dir, ['notes', `--ref=${NOTES}`, 'append', '-m', line, sha]);
}

/** Every tag of one target and component, oldest first (names sort by stamp). */
export function tagsOf(dir: string, target: string, component: string): string[] {
  return git(dir, ['tag', '-l', `atmos/deployments/pay/${target}/${component}/*`])
    .split('\n')
    .filter(Boolean)
    .sort();
}

export function headSha(dir: string): string {
  return git(dir, ['rev-parse', 'HEAD']).trim();
}
