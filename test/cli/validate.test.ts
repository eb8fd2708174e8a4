import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CODES } from '../../server/src/core';
import { FIXTURES, runCli } from './helpers';

interface JsonDiag {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
}

const broken = path.join(FIXTURES, 'broken');

describe('validate', () => {
  it('reports every code at its line in JSON, exits 1, names files relative to --cwd', () => {
    const r = runCli(['validate', '--format', 'json', '--cwd', broken]);
    assert.equal(r.code, 1, r.stderr);
    const json = JSON.parse(r.stdout) as { files: number; diagnostics: JsonDiag[] };
    assert.equal(json.files, 16);
    const at = (d: JsonDiag) =>
      `${d.file}:${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.severity} ${d.code}`;
    assert.deepEqual(json.diagnostics.map(at), [
      'deployments/badname.yaml:4:5-4:23 error invalid-name',
      'deployments/cycle.yaml:6:15-6:22 error promotion-cycle',
      'deployments/cycle.yaml:9:15-9:18 error promotion-cycle',
      'deployments/depends.yaml:6:34-6:47 error dependency-cycle',
      'deployments/depends.yaml:8:34-8:47 error dependency-cycle',
      'deployments/depends.yaml:8:49-8:62 error unknown-dependency',
      'deployments/dupdeploy-a.yaml:2:9-2:13 error duplicate-deployment',
      'deployments/dupdeploy-b.yaml:2:9-2:13 error duplicate-deployment',
      'deployments/dupkey.yaml:5:5-5:8 error duplicate-key',
      'deployments/dupsource.yaml:7:29-7:32 warning duplicate-source',
      'deployments/empty.yaml:7:23-7:25 error empty-allowed-from',
      'deployments/exclusive.yaml:8:9-8:13 error promotion-exclusive',
      'deployments/pathconflict.yaml:6:7-6:14 error component-path-conflict',
      'deployments/review.yaml:10:40-10:55 warning approver-no-key',
      'deployments/review.yaml:11:24-11:25 error review-approvers',
      'deployments/schema.yaml:8:28-8:33 error schema',
      'deployments/self.yaml:6:15-6:19 error self-promotion',
      // The unclosed `{` itself, not the end of the file where the parser gave up.
      'deployments/syntax.yaml:4:10-4:11 error yaml-syntax',
      'deployments/unknownkey.yaml:5:7-5:13 warning unknown-key',
      'deployments/unknownsource.yaml:7:15-7:19 error unknown-source',
    ]);
    // recorded-component-conflict needs records in git, which this fixture folder has none of;
    // test/git/recorded-conflict.test.ts covers it in a repository.
    assert.deepEqual(
      new Set(json.diagnostics.map((d) => d.code)),
      new Set(CODES.filter((c) => c !== 'recorded-component-conflict')),
      'every code is covered',
    );
    const exclusive = json.diagnostics.find((d) => d.code === 'promotion-exclusive')!;
    assert.equal(
      exclusive.message,
      "Target 'prod': cannot specify both 'from' and 'allowed_from'. Keep 'from' for a single source, or 'allowed_from' for several.",
    );
  });

  it('prints file:line:col: severity code message lines and a summary on stderr', () => {
    const r = runCli(['validate', 'deployments/unknownsource.yaml'], broken);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout.trim(),
      "deployments/unknownsource.yaml:7:15: error unknown-source Target 'staging': promotion source 'devv' does not exist in deployment unknownsource. Did you mean 'dev'? Known targets: dev, staging.",
    );
    assert.match(r.stderr, /1 file checked: 1 error, 0 warnings\./);
  });

  it('exits 0 on the spec examples and on warnings only', () => {
    const clean = runCli(['validate', '--cwd', path.join(FIXTURES, 'clean')]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.equal(clean.stdout, '');
    assert.match(clean.stderr, /2 files checked: 0 errors, 0 warnings/);
    const warn = runCli(
      ['validate', 'deployments/dupsource.yaml', 'deployments/unknownkey.yaml'],
      broken,
    );
    assert.equal(warn.code, 0, warn.stdout);
    assert.equal(warn.stdout.trim().split('\n').length, 2);
  });

  it('exits 1 when a promotion key is misplaced or misspelt, or a name is a look-alike', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atmos-cli-'));
    mkdirSync(path.join(dir, 'deployments'));
    const files: Record<string, string> = {
      // Before: an unknown-key warning, exit 0, and prod deployed without approval.
      'misplaced.yaml':
        'deployment:\n  name: misplaced\n  targets:\n    staging: {}\n    prod:\n      requires_approval: true\n',
      'typo.yaml':
        'deployment:\n  name: typo\n  targets:\n    staging: {}\n    prod:\n      promotion:\n        from: staging\n        requires_aproval: true\n',
      'lookalike.yaml':
        'deployment:\n  name: lookalike\n  targets:\n    prod: {}\n    pr\u043Ed: {}\n    Prod: {}\n',
    };
    for (const [name, text] of Object.entries(files))
      writeFileSync(path.join(dir, 'deployments', name), text);
    for (const name of Object.keys(files)) {
      const r = runCli(['validate', `deployments/${name}`], dir);
      assert.equal(r.code, 1, `${name}: ${r.stdout}${r.stderr}`);
    }
    const r = runCli(['validate'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      "deployments/lookalike.yaml:5:5: error invalid-name Invalid target name 'pr\u043Ed': it contains U+043E CYRILLIC SMALL LETTER O, which is not ASCII. Names become git refs; use ASCII letters, digits, '-', '_' and '.'.",
      "deployments/lookalike.yaml:6:5: error invalid-name Invalid target name 'Prod': it differs from target 'prod' only by case, and 'prod' and 'Prod' are one ref file on macOS and Windows. Rename one of them.",
      "deployments/misplaced.yaml:6:7: error schema 'requires_approval' belongs under 'promotion:'; here it does nothing, so prod needs no approval.",
      "deployments/typo.yaml:8:9: error schema Unknown key 'requires_aproval' in target 'prod' (promotion): it does nothing, so prod needs no approval. Did you mean 'requires_approval'? Known keys: from, allowed_from, requires_approval, approval_method, approvers, min_approvals.",
    ]);
  });

  it('writes SARIF 2.1.0 with one result per problem', () => {
    const r = runCli(['validate', '--format', 'sarif', 'deployments/cycle.yaml'], broken);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0].results;
    assert.equal(results.length, 2);
    assert.equal(results[0].ruleId, 'promotion-cycle');
    assert.deepEqual(results[0].locations[0].physicalLocation.region, {
      startLine: 6,
      startColumn: 15,
      endLine: 6,
      endColumn: 22,
    });
    assert.equal(results[0].relatedLocations.length, 1);
  });

  it('skips files that are not deployments, with a note, and checks the rest', () => {
    const r = runCli(['validate', '.'], path.join(FIXTURES, 'mixed'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /notes\.yaml: skipped, not a deployment file/);
    assert.match(r.stderr, /empty\.yaml: skipped, not a deployment file/);
    assert.match(r.stderr, /1 file checked/);
  });

  it('exits 2 with a clear message on a missing path, an unknown flag or format', () => {
    const missing = runCli(['validate', 'does/not/exist.yaml'], broken);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No such file or directory: does\/not\/exist\.yaml/);
    assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/, 'no stack trace');
    const flag = runCli(['validate', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--bogus'/);
    const format = runCli(['validate', '--format', 'xml']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /Allowed choices are text, json, sarif/);
  });

  it('finds files fast without entering node_modules or .git, and reports a missing --cwd', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atmos-cli-'));
    mkdirSync(path.join(dir, 'node_modules', 'x', 'deployments'), { recursive: true });
    writeFileSync(
      path.join(dir, 'node_modules', 'x', 'deployments', 'bad.yaml'),
      'deployment:\n  targets: [\n',
    );
    mkdirSync(path.join(dir, 'apps', 'deployments'), { recursive: true });
    writeFileSync(
      path.join(dir, 'apps', 'deployments', 'ok.yml'),
      'deployment:\n  name: ok\n  targets:\n    dev: {}\n',
    );
    const r = runCli(['validate', '--format', 'json', '--cwd', dir]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(JSON.parse(r.stdout).files, 1);
    const none = runCli(['validate', '--cwd', path.join(dir, 'nope')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /does not exist|No such/);
  });

  it('survives a 10 MB file and binary garbage with a diagnostic, not a crash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atmos-cli-'));
    mkdirSync(path.join(dir, 'deployments'));
    writeFileSync(
      path.join(dir, 'deployments', 'huge.yaml'),
      'deployment:\n  name: huge\n' + '  # padding\n'.repeat(1_000_000),
    );
    writeFileSync(
      path.join(dir, 'deployments', 'garbage.yaml'),
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9b, 0x1b, 0x5b, 0x32, 0x4a]),
    );
    const started = Date.now();
    const r = runCli(['validate', '--format', 'json', '--cwd', dir]);
    assert.ok(Date.now() - started < 20_000);
    const json = JSON.parse(r.stdout) as { diagnostics: JsonDiag[] };
    const huge = json.diagnostics.find((d) => d.file === 'deployments/huge.yaml');
    assert.ok(huge, r.stdout);
    assert.equal(huge.code, 'yaml-syntax');
    assert.match(huge.message, /above the 5\.0 MB limit/);
    assert.equal(r.code, 1);
  });
});

describe('promotion-graph', () => {
  const clean = path.join(FIXTURES, 'clean');
  it('draws the linear example as the spec does', () => {
    const r = runCli(['promotion-graph', 'payment-service', '--cwd', clean]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'dev → staging → prod\n\nrequires approval: prod\n');
  });

  it("draws the multiple-sources example with the spec's box", () => {
    const r = runCli(['promotion-graph', 'checkout', '--cwd', clean]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        '     ┌─→ qa ─┐',
        'dev ─┤       ├─→ staging → prod',
        '     └───────┘',
        '',
        'requires approval: prod',
        '',
      ].join('\n'),
    );
  });

  it('gives JSON, dot and mermaid', () => {
    const json = JSON.parse(
      runCli(['promotion-graph', 'checkout', '--format', 'json', '--cwd', clean]).stdout,
    );
    assert.deepEqual(json.order, ['dev', 'qa', 'staging', 'prod']);
    assert.deepEqual(
      json.edges.map((e: { from: string; to: string }) => `${e.from}->${e.to}`),
      ['dev->qa', 'dev->staging', 'qa->staging', 'staging->prod'],
    );
    assert.deepEqual(
      json.targets
        .filter((t: { entryPoint: boolean }) => t.entryPoint)
        .map((t: { name: string }) => t.name),
      ['dev'],
    );
    const dot = runCli(['promotion-graph', 'checkout', '--format', 'dot', '--cwd', clean]).stdout;
    assert.match(dot, /"staging" -> "prod" \[label="approval"\];/);
    const mermaid = runCli([
      'promotion-graph',
      'checkout',
      '--format',
      'mermaid',
      '--cwd',
      clean,
    ]).stdout;
    assert.match(mermaid, /^flowchart LR/);
    assert.match(mermaid, /t2 -->\|approval\| t3/);
  });

  it('exits 2 and lists the known deployments for an unknown one', () => {
    const r = runCli(['promotion-graph', 'nope', '--cwd', clean]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.trim(),
      "error: Unknown deployment 'nope'. Known deployments: checkout, payment-service.",
    );
  });

  it('has --help on every command', () => {
    for (const cmd of ['validate', 'promotion-graph']) {
      const r = runCli([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /--cwd <dir>/);
      assert.match(r.stdout, /--format <format>/);
    }
  });
});

describe('limit flags', () => {
  it('applies --max-depth and refuses a value that is not a whole number', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atmos-cli-'));
    mkdirSync(path.join(dir, 'deployments'));
    writeFileSync(
      path.join(dir, 'deployments', 'd.yaml'),
      'deployment:\n  name: d\n  targets:\n    dev: {context: {a: {b: {c: 1}}}}\n',
    );
    assert.equal(runCli(['validate', '--cwd', dir]).code, 0);
    const low = runCli(['validate', '--cwd', dir, '--max-depth', '3']);
    assert.equal(low.code, 1);
    assert.match(
      low.stdout,
      /deployments\/d\.yaml:4:\d+: error yaml-syntax Nesting is deeper than 3 levels/,
    );
    const bad = runCli(['validate', '--cwd', dir, '--max-nodes', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-nodes must be a whole number of 1 or more, not 'many'/);
  });
});
