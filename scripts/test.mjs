// `npm test`: installs what the tests need, builds, type-checks, lints, then runs every test
// stage in order (unit, cli, git, lsp, hardening, then the real editors). Each stage is a
// plain `node --test` run over the stage's files, so a failing stage names its own files.
// Prints one closing `N passed, N failed` line over all stages.
//
// A skipped test fails the run: a skip passes whatever the code does, so a test that skips where
// it should run (a missing program, a missing build) hides breakage. The programs tests need are
// installed by each stage's setup instead. Only the skips in ALLOWED_SKIPS below pass, and the
// summary prints that list and every skip it let through.
import { readdirSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
ensureDeps();

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const only = process.env.ATMOS_TEST_STAGES?.split(',').filter(Boolean);

function run(title, cmd, args, opts = {}) {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  console.log(
    `=== ${title}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return r.status === 0;
}

function testFiles(dir) {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const entry of readdirSync(abs, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    if (!/\.test\.(ts|mjs)$/.test(entry.name)) continue;
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    out.push(path.relative(root, full));
  }
  return out.sort();
}

/**
 * Skips that may pass, each with its reason. Keep it short: every entry is a test that proves
 * nothing in this run. It is empty today: every test can run on the machines we test on.
 * An entry: { stage: 'editors', name: /^exact test name$/, why: 'the reason in one sentence' }.
 */
const ALLOWED_SKIPS = [];

/** `name # SKIP reason` of every skipped test (subtests included) in a stage's TAP output. */
function skippedTests(tap) {
  const out = [];
  for (const m of tap.matchAll(/^\s*ok \d+ - (.*?) # SKIP\b ?(.*)$/gm))
    out.push({ name: m[1], reason: m[2] });
  return out;
}

const results = [];
const allowedSeen = [];
let failed = false;

if (!run('build (esbuild)', process.execPath, ['esbuild.mjs'])) process.exit(1);
if (!only) {
  failed = !run('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', '.']) || failed;
  failed = !run('lint (eslint)', bin('eslint'), ['.']) || failed;
  failed =
    !run('format (prettier --check)', bin('prettier'), ['--check', '.', '--log-level', 'warn']) ||
    failed;
}

const stages = [
  { name: 'unit', dirs: ['test/unit'] },
  { name: 'cli', dirs: ['test/cli'] },
  // tty-prompt.test.ts drives the approval prompt through util-linux `script`.
  {
    name: 'git',
    dirs: ['test/git'],
    setup: 'scripts/ensure-tools.mjs',
    setupArgs: ['script=bsdutils'],
  },
  { name: 'lsp', dirs: ['test/lsp'] },
  { name: 'hardening', dirs: ['test/hardening'] },
  { name: 'editors', dirs: ['test/nvim', 'test/vscode'], setup: 'test/vscode/setup.mjs' },
];

mkdirSync(path.join(root, 'test-results'), { recursive: true });
for (const stage of stages) {
  if (only && !only.includes(stage.name)) continue;
  const files = stage.dirs.flatMap(testFiles);
  if (files.length === 0) continue;
  if (stage.setup && existsSync(path.join(root, stage.setup))) {
    if (!run(`${stage.name}: setup`, process.execPath, [stage.setup, ...(stage.setupArgs ?? [])])) {
      failed = true;
      continue;
    }
  }
  const tap = path.join(root, 'test-results', `${stage.name}.tap`);
  rmSync(tap, { force: true });
  const ok = run(`tests: ${stage.name} (${files.length} files)`, process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number((text.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [0, 0])[1]);
  const skips = skippedTests(text);
  const refused = [];
  for (const skip of skips) {
    const allowed = ALLOWED_SKIPS.find((a) => a.stage === stage.name && a.name.test(skip.name));
    if (allowed) allowedSeen.push({ stage: stage.name, ...skip, why: allowed.why });
    else refused.push(skip);
  }
  for (const skip of refused)
    console.log(`=== ${stage.name}: skipped, which fails the run: ${skip.name} (${skip.reason})`);
  results.push({
    stage: stage.name,
    passed: count('pass'),
    failed: count('fail') + count('cancelled') + refused.length,
    skipped: count('skipped'),
  });
  if (!ok || refused.length) failed = true;
}

console.log('\n=== summary');
console.log(
  `allowed skips: ${ALLOWED_SKIPS.length ? ALLOWED_SKIPS.map((a) => `${a.stage} ${a.name} (${a.why})`).join('; ') : 'none'}`,
);
for (const a of allowedSeen) console.log(`  skipped (allowed): ${a.stage}: ${a.name}: ${a.why}`);
for (const r of results)
  console.log(
    `${r.stage}: ${r.passed} passed, ${r.failed} failed (skips not allowed count as failed), ${r.skipped} skipped`,
  );
const passed = results.reduce((n, r) => n + r.passed, 0);
const failedCount = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
console.log(`${passed} passed, ${failedCount} failed, ${skipped} skipped`);
process.exit(failed || failedCount > 0 ? 1 : 0);
