// Starts and stops a real VS Code (code-server: VS Code's server, web workbench and Node extension
// host) for tests. Each start gets a free port on 127.0.0.1 and fresh user-data and extensions
// folders in a temp dir, so runs never see each other's state or a developer's own profile.
//
//   import { start } from './code-server.mjs';
//   const vscode = await start({ folder, extensionDevelopmentPath: repoRoot, theme: 'Default Dark Modern' });
//   ... vscode.url (workbench with the extension loaded), vscode.workbenchUrl({ extensionTestsPath }) ...
//   await vscode.stop();
//
// The extension host inherits this server's environment, not the test runner's, which is why
// `env` is an option here: it is the only way to hand settings to code running in the host.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setup } from './setup.mjs';

export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
};

// Restricted Mode: VS Code 1.100 trusts a folder only when its URI (or a parent) is in the trusted
// list kept in the profile's storage, and a fresh user-data dir has an empty list, so the opened
// folder is untrusted. Nothing may ask the user: the startup prompt is off and files opened from
// outside the workspace open in Restricted Mode too.
export const RESTRICTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
};

const live = new Set();

// Whatever happens to the test process, no server (and no extension host or language server it
// spawned) may outlive it: they would hold ports and CPU on a 2-core machine.
function killAllNow() {
  for (const handle of live) {
    try {
      process.kill(-handle.pid, 'SIGKILL');
    } catch {
      // The group is already gone, which is what we want.
    }
  }
  live.clear();
}
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAllNow();
    process.kill(process.pid, signal);
  });
}

// A test process killed with SIGKILL cannot stop its server or remove its temp dir. Each state
// dir records its owner's pid, and the next start() clears dirs whose owner is gone. A server
// still running there is killed only when its command line names that very dir, so a reused pid
// can never take an unrelated process with it.
function sweepOrphans() {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith('atmos-vscode-')) continue;
    const dir = path.join(os.tmpdir(), name);
    let owner;
    let server;
    try {
      [owner, server] = fs
        .readFileSync(path.join(dir, 'owner.pid'), 'utf8')
        .trim()
        .split(' ')
        .map(Number);
    } catch {
      continue;
    }
    if (owner === process.pid || groupAlive(owner, false)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${server}/cmdline`, 'utf8');
      if (cmdline.includes(path.join(dir, 'data'))) process.kill(-server, 'SIGKILL');
    } catch {
      // No such process any more: nothing to kill.
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A port that was free a moment ago on 127.0.0.1 (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` (sync or async, truthy = done) until it holds or the deadline passes. */
export async function pollUntil(
  check,
  { timeoutMs = 30000, intervalMs = 100, what = 'condition' } = {},
) {
  const end = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`,
  );
}

function groupAlive(pid, group = true) {
  try {
    process.kill(group ? -pid : pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** `vscode-remote://host:port/abs/path`: how the web workbench names a file on the server. */
export function remoteUri(authority, p) {
  return `vscode-remote://${authority}${path.resolve(p).split(path.sep).map(encodeURIComponent).join('/')}`;
}

/**
 * Starts code-server and resolves once /healthz answers.
 * @param {object} o
 * @param {string} o.folder                    workspace folder to open
 * @param {string} [o.extensionDevelopmentPath] unpacked extension loaded through the URL payload
 * @param {string[]} [o.extensions]            unpacked extension folders to symlink into the fresh
 *                                             extensions dir (loaded without the payload)
 * @param {object} [o.settings]                user settings merged over the quiet defaults
 * @param {object} [o.env]                     extra environment for the server and extension host
 * @param {string} [o.theme]                   colour theme, default "Default Light Modern"
 * @param {boolean} [o.trust]                 false: Restricted Mode (workspace trust on, the folder
 *                                             untrusted, no prompt); default true (trust off)
 * @param {number} [o.timeoutMs]               deadline for /healthz, default 60 s
 * @returns {Promise<{url: string, server: string, port: number, pid: number, stateDir: string,
 *   logFile: string, folder: string, workbenchUrl: Function, stop: Function}>}
 */
export async function start({
  folder,
  extensionDevelopmentPath,
  extensions = [],
  settings = {},
  env = {},
  theme = 'Default Light Modern',
  trust = true,
  timeoutMs = 60000,
} = {}) {
  if (!folder) throw new Error('start(): folder is required');
  folder = path.resolve(folder);
  const install = await setup({ quiet: true });
  sweepOrphans();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-vscode-'));
  const dataDir = path.join(stateDir, 'data');
  const extDir = path.join(stateDir, 'ext');
  fs.mkdirSync(path.join(dataDir, 'User'), { recursive: true });
  fs.mkdirSync(extDir);
  fs.writeFileSync(
    path.join(dataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        ...QUIET_SETTINGS,
        ...(trust ? {} : RESTRICTED_SETTINGS),
        'workbench.colorTheme': theme,
        ...settings,
      },
      null,
      2,
    ),
  );
  // Unpacked extensions must be in place before the extensions dir is first used: once
  // extensions.json exists, VS Code marks unknown folders as removed.
  for (const dir of extensions) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    fs.symlinkSync(
      path.resolve(dir),
      path.join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`),
    );
  }
  // Newer VS Code honours the payload's extensionDevelopmentPath only with the smoke-test driver
  // enabled; 4.100.x has no --vscode-option flag and rejects unknown flags, so we look first.
  const cli = fs.readFileSync(path.join(path.dirname(install.entry), 'cli.js'), 'utf8');
  const extra = cli.includes('"vscode-option"')
    ? ['--vscode-option', 'enable-smoke-test-driver']
    : [];

  const serverEnv = { ...process.env, ...env };
  // A node:test parent marks its children through this variable; the extension host is not one.
  delete serverEnv.NODE_TEST_CONTEXT;

  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const configFile = path.join(stateDir, 'config.yaml');
    const logFile = path.join(stateDir, `server-${port}.log`);
    // Our own config file keeps code-server from writing ~/.config/code-server/config.yaml.
    fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    const log = fs.openSync(logFile, 'w');
    const args = [
      install.entry,
      '--config',
      configFile,
      '--user-data-dir',
      dataDir,
      '--extensions-dir',
      extDir,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      // Without this flag the web workbench turns workspace trust on (code-server passes
      // enableWorkspaceTrust to it); the trust setting then decides.
      ...(trust ? ['--disable-workspace-trust'] : []),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...extra,
      folder,
    ];
    // detached = a new process group, so stop() reaches the extension host, file watcher and
    // language servers that code-server spawns, not just code-server itself.
    const child = spawn(install.node, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: serverEnv,
    });
    fs.closeSync(log);
    let exited = null;
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    fs.writeFileSync(path.join(stateDir, 'owner.pid'), `${process.pid} ${child.pid}\n`);
    const handle = { pid: child.pid };
    live.add(handle);
    const server = `http://127.0.0.1:${port}`;
    try {
      await pollUntil(
        async () => {
          if (exited) throw Object.assign(new Error('exited'), { fatal: true });
          const res = await fetch(`${server}/healthz`, { signal: AbortSignal.timeout(2000) });
          return res.ok;
        },
        { timeoutMs, intervalMs: 150, what: `code-server /healthz on port ${port}` },
      );
    } catch (e) {
      await killGroup(child.pid);
      live.delete(handle);
      const logText = tail(logFile);
      lastError = new Error(
        `code-server ${exited ? `exited (${JSON.stringify(exited)})` : 'did not answer /healthz'} ` +
          `on port ${port}: ${e.message}\n--- ${logFile}\n${logText}`,
      );
      // Another process can take the port between freePort() and listen(); try a new one.
      if (/EADDRINUSE/.test(logText) && attempt < 3) continue;
      throw lastError;
    }

    const authority = `127.0.0.1:${port}`;
    const workbenchUrl = ({ extensionTestsPath, payload = [] } = {}) => {
      const p = [];
      if (extensionDevelopmentPath)
        p.push(['extensionDevelopmentPath', remoteUri(authority, extensionDevelopmentPath)]);
      if (extensionTestsPath)
        p.push(['extensionTestsPath', remoteUri(authority, extensionTestsPath)]);
      p.push(['skipWelcome', 'true'], ...payload);
      return `${server}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(p))}`;
    };
    let stopped = false;
    const stop = async ({ keepState = process.env.ATMOS_VSCODE_KEEP === '1' } = {}) => {
      if (stopped) return;
      stopped = true;
      await killGroup(child.pid);
      live.delete(handle);
      if (!keepState) fs.rmSync(stateDir, { recursive: true, force: true });
    };
    return {
      url: workbenchUrl(),
      server,
      port,
      pid: child.pid,
      stateDir,
      logFile,
      folder,
      version: install.version,
      workbenchUrl,
      readLog: () => tail(logFile, 200),
      stop,
    };
  }
  throw lastError;
}

/** TERM the whole process group, then KILL whatever is left after a deadline. */
async function killGroup(pid) {
  if (!groupAlive(pid)) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await pollUntil(() => !groupAlive(pid), {
      timeoutMs: 10000,
      intervalMs: 100,
      what: 'code-server to exit',
    });
  } catch {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Exited between the check and the kill.
    }
  }
}
