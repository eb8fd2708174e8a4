/**
 * `validate` over worker threads prints exactly what it prints in one thread: the same
 * problems in the same order, in text, JSON and SARIF, with and without paths, and the same as
 * checking every file with the whole workspace index in this process (the way validate worked
 * before files were checked as they are read).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseDeploymentFile,
  validateFile,
  WorkspaceIndex,
  type DeploymentFile,
} from '../../server/src/core';
import { discoverDeploymentFiles } from '../../server/src/cli/discover';
import { relativeName } from '../../server/src/cli/workspace';
import { FIXTURES, runCli, type CliResult } from './helpers';

const TEMPLATES = path.join(FIXTURES, 'broken', 'deployments');
const COPIES = 40;

/**
 * Every broken fixture copied COPIES times into its own folder. Most copies get a deployment
 * name of their own; every tenth keeps the fixture's, so some names are declared by several
 * files (duplicate-deployment, found by the second step of the check), spread over the slices
 * the workers get.
 */
function makeWorkspace(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'atmos-validate-workers-'));
  const templates = readdirSync(TEMPLATES).map((n) => ({
    name: n,
    text: readFileSync(path.join(TEMPLATES, n), 'utf8'),
  }));
  for (let i = 0; i < COPIES; i++) {
    const dir = path.join(root, `team-${String(i).padStart(2, '0')}`, 'deployments');
    mkdirSync(dir, { recursive: true });
    for (const t of templates) {
      const text =
        i % 10 === 0 ? t.text : t.text.replace(/^( {2}name: *)(\S.*)$/m, `$1$2-copy-${i}`);
      writeFileSync(path.join(dir, t.name), text);
    }
    // Files that are not deployment files, and one with aliases, among the rest.
    writeFileSync(path.join(dir, 'notes.yaml'), 'notes: [a, b]\n');
    writeFileSync(
      path.join(dir, 'aliases.yaml'),
      `deployment:\n  name: aliases-${i}\n  targets:\n    dev: &t\n      labels: {environment: dev}\n    qa: *t\n    prod: *nothing\n`,
    );
  }
  return root;
}

/** What validate printed before workers: every file parsed and kept, checked with the index. */
function referenceText(root: string): string {
  const files: DeploymentFile[] = [];
  const index = new WorkspaceIndex();
  for (const f of discoverDeploymentFiles(root).files) {
    const file = parseDeploymentFile(readFileSync(f.fsPath, 'utf8'), relativeName(root, f.abs));
    if (!file.isDeployment) continue;
    files.push(file);
    index.set(file);
  }
  return files
    .flatMap((f) => validateFile(f, { workspace: index }))
    .map(
      (p) =>
        `${p.file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity} ${p.code} ${p.message}\n`,
    )
    .join('');
}

describe('validate with worker threads', () => {
  let root: string;
  before(() => {
    root = makeWorkspace();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const run = (args: string[]): CliResult => runCli(['validate', '--cwd', root, ...args], root);
  const same = (a: CliResult, b: CliResult, what: string) => {
    assert.equal(a.code, b.code, `${what}: exit code`);
    assert.equal(a.stdout, b.stdout, `${what}: stdout`);
    assert.equal(a.stderr, b.stderr, `${what}: stderr`);
  };

  it('one thread prints what checking every file with the whole index prints', () => {
    const one = run(['--jobs', '1']);
    assert.equal(one.code, 1, one.stderr);
    assert.ok(one.stdout.includes('duplicate-deployment'), 'the workspace has shared names');
    assert.equal(one.stdout, referenceText(root));
  });

  for (const format of ['text', 'json', 'sarif'])
    it(`${format}: 2, 3 and the default number of threads print what one thread prints`, () => {
      const one = run(['--format', format, '--jobs', '1']);
      for (const jobs of [['--jobs', '2'], ['--jobs', '3'], []])
        same(run(['--format', format, ...jobs]), one, `${format} ${jobs.join(' ') || 'default'}`);
    });

  it('with paths, the named files in their order, whatever the threads', () => {
    const args = [
      'team-07/deployments',
      'team-00/deployments/dupdeploy-b.yaml',
      'team-03/deployments/notes.yaml',
      'team-01/deployments/syntax.yaml',
    ];
    const one = run([...args, '--jobs', '1']);
    assert.match(one.stderr, /notes\.yaml: skipped, not a deployment file/);
    assert.match(one.stdout, /^team-07\//);
    same(run([...args, '--jobs', '2']), one, 'paths --jobs 2');
  });

  it('--jobs must be a whole number from 1 up', () => {
    const r = run(['--jobs', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--jobs must be a whole number from 1 up/);
  });
});
