// `npm start`: installs and builds what is missing, creates a demo repository (the spec's
// payment-service example with a few commits and some rollouts already recorded), then opens
// it with the extension loaded: the desktop `code` when present, otherwise a local VS Code in
// the browser (code-server) bound to 127.0.0.1, whose URL it prints.
import { spawnSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = path.resolve(process.env.ATMOS_DEMO_DIR ?? path.join(root, '.demo', 'payments-repo'));
const log = (msg) => console.log(`[npm start] ${msg}`);

ensureDeps();
log('building the extension, server and CLI (esbuild)');
if (spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) {
  console.error('[npm start] the build failed; the errors are above.');
  process.exit(1);
}

function git(args, env = {}) {
  const r = spawnSync('git', args, {
    cwd: demo,
    encoding: 'utf8',
    env: { ...process.env, ...identity, ...env },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function cli(args) {
  return spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args, '--cwd', demo], {
    encoding: 'utf8',
    env: { ...process.env, ...identity },
  });
}

const identity = {
  GIT_AUTHOR_NAME: 'Demo Developer',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Demo Developer',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
};

function createDemo() {
  log(`creating the demo repository in ${demo}`);
  mkdirSync(demo, { recursive: true });
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', identity.GIT_AUTHOR_NAME]);
  git(['config', 'user.email', identity.GIT_AUTHOR_EMAIL]);
  cpSync(path.join(root, 'scripts', 'demo', 'deployments'), path.join(demo, 'deployments'), {
    recursive: true,
  });
  writeFileSync(
    path.join(demo, 'README.md'),
    '# payments\n\nA demo repository for Atmos Deployments.\n',
  );
  git(['add', '.']);
  git(['commit', '-qm', 'Add payment-service and experimental-feature deployments']);
  for (const [i, msg] of [
    'Retry card captures once',
    'Add worker metrics',
    'Speed up refunds',
  ].entries()) {
    writeFileSync(path.join(demo, 'CHANGES.md'), `${msg}\n`.repeat(i + 1));
    git(['add', '.']);
    git(['commit', '-qm', msg]);
  }
}

function recordDemoRollouts() {
  const hasRollout = / rollout /.test(cli(['--help']).stdout);
  if (!hasRollout) {
    log('this build has no `rollout` command yet; the demo has no recorded rollouts');
    return;
  }
  // Some history: dev got two builds, staging was promoted from the first, prod from staging.
  const steps = [
    ['rollout', 'payment-service', '--target', 'dev', '--git-sha', 'HEAD~2'],
    ['rollout', 'payment-service', '--target', 'staging', '--promote-from', 'dev'],
    ['rollout', 'payment-service', '--target', 'prod', '--promote-from', 'staging', '--approve'],
    ['rollout', 'payment-service', '--target', 'dev', '--git-sha', 'HEAD'],
    ['rollout', 'experimental-feature', '--target', 'dev', '--git-sha', 'HEAD'],
  ];
  for (const step of steps) {
    const r = cli(step);
    log(`${r.status === 0 ? 'recorded' : 'could not record'}: atmos-deployments ${step.join(' ')}`);
    if (r.status !== 0) console.error(r.stderr.trim());
  }
}

if (!existsSync(path.join(demo, '.git'))) createDemo();
else log(`using the existing demo repository in ${demo} (delete it to start over)`);
// A demo made by an older build may lack the records; add them once the CLI can write them.
if (git(['for-each-ref', '--count=1', 'refs/atmos/']) === '') recordDemoRollouts();

const hasCode = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode && !process.env.ATMOS_START_WEB) {
  log('opening it in VS Code (desktop)');
  const r = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${root}`, demo], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 0);
}

log('no desktop `code` on PATH: starting a local VS Code in the browser (code-server)');
const { setup } = await import('../test/vscode/setup.mjs');
const { start } = await import('../test/vscode/code-server.mjs');
await setup();
const vscode = await start({
  folder: demo,
  extensionDevelopmentPath: root,
  settings: { 'git.enabled': true },
  theme: process.env.ATMOS_THEME ?? 'Default Dark Modern',
});
console.log(
  `\n  VS Code is running at:\n\n    ${vscode.url}\n\n  Open it in a browser on this machine. Press Ctrl+C to stop.\n`,
);
const browser = process.env.BROWSER;
if (browser) spawn(browser, [vscode.url], { stdio: 'ignore', detached: true }).unref();
// One stop for every signal: code-server.mjs's own handler re-raises the first one, and a second
// Ctrl+C must not exit before code-server's process group is gone and its temp dir removed.
let stopping;
const stop = () => (stopping ??= vscode.stop().then(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
