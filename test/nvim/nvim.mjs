// Runs headless Neovim as an LSP client (lsp_client.lua next to this file) and returns the
// diagnostics a language server published for one file. Used to check that our server works in
// an LSP editor other than VS Code: node dist/server.js --stdio.
//
//   import { runNvimDiagnostics } from './nvim.mjs';
//   const diags = await runNvimDiagnostics({ serverCmd: ['node', 'dist/server.js', '--stdio'], file });
//   // -> LSP Diagnostic objects: { range: { start: { line, character }, end }, severity, code, source, message, ... }
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const LSP_CLIENT_LUA = path.join(HERE, 'lsp_client.lua');

/** Path of nvim, or null when it is not installed (tests skip then; setup.mjs installs it). */
export function findNvim() {
  const r = spawnSync('sh', ['-c', 'command -v nvim'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * @param {object} o
 * @param {string[]|string} o.serverCmd  the server's argv (an array; a string is split on spaces)
 * @param {string} o.file                the file to open
 * @param {object} [o.settings]          what the client answers to workspace/configuration
 * @param {string} [o.filetype]          default 'yaml'
 * @param {string} [o.rootDir]           workspace root, default the file's folder
 * @param {number} [o.minCount]          wait for a publish with at least this many diagnostics
 * @param {number} [o.timeoutMs]         deadline for the diagnostics, default 20000
 * @returns {Promise<object[]>} the diagnostics, as the server sent them
 */
export async function runNvimDiagnostics({
  serverCmd,
  file,
  settings = {},
  filetype = 'yaml',
  rootDir,
  minCount = 0,
  timeoutMs = 20000,
}) {
  const nvim = findNvim();
  if (!nvim) throw new Error('nvim is not installed: run node test/vscode/setup.mjs');
  const argv = Array.isArray(serverCmd) ? serverCmd : serverCmd.split(' ').filter(Boolean);
  // Neovim's state, shada and cache go to a throwaway home so runs leave nothing behind.
  const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-nvim-'));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_STATE_HOME: path.join(xdg, 'state'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    LSP_CMD_JSON: JSON.stringify(argv),
    LSP_FILE: path.resolve(file),
    LSP_FILETYPE: filetype,
    LSP_ROOT: path.resolve(rootDir ?? path.dirname(file)),
    LSP_SETTINGS_JSON: JSON.stringify(settings),
    LSP_TIMEOUT_MS: String(timeoutMs),
    LSP_MIN_COUNT: String(minCount),
  };
  try {
    const { code, stdout, stderr } = await new Promise((resolve, reject) => {
      // A Lua error would leave headless nvim waiting at the error message; pcall turns it into exit 4.
      const lua = `lua local ok, e = pcall(dofile, ${JSON.stringify(LSP_CLIENT_LUA)}) if not ok then io.stderr:write(tostring(e) .. '\\n') vim.cmd('cquit 4') end`;
      const child = spawn(nvim, ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', lua], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // A hung nvim must not hang the test run: the Lua side has its own deadline, this is the
        // backstop behind it.
        timeout: timeoutMs + 15000,
        killSignal: 'SIGKILL',
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (c, signal) => resolve({ code: c ?? (signal ? 128 : 1), stdout, stderr }));
    });
    const diagnostics = stdout
      .split('\n')
      .filter((l) => l.startsWith('DIAGNOSTIC '))
      .map((l) => JSON.parse(l.slice('DIAGNOSTIC '.length)));
    if (code !== 0 || !/^DIAGNOSTICS_DONE \d+$/m.test(stdout)) {
      const why =
        {
          2: 'timed out waiting for diagnostics',
          3: 'the server did not start or exited',
          4: 'lsp_client.lua failed',
        }[code] ?? `exit ${code}`;
      throw Object.assign(
        new Error(
          `nvim LSP client: ${why} (server: ${argv.join(' ')})\n--- stdout\n${stdout}--- stderr\n${stderr.slice(-4000)}`,
        ),
        { diagnostics, code },
      );
    }
    return diagnostics;
  } finally {
    fs.rmSync(xdg, { recursive: true, force: true });
  }
}
