// Restricted Mode in a real VS Code (code-server 4.100.3 = VS Code 1.100.3), offline: the server
// starts with workspace trust on and the folder untrusted (start({ trust: false })), on a temp
// git repository with rollouts recorded by the CLI, and runs the in-host suite in
// suite/restricted/: validation works, git-writing commands refuse and write nothing.
// Run: node --test test/vscode/restricted.test.mjs    (after `node esbuild.mjs`)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setup } from './setup.mjs';
import { start } from './code-server.mjs';
import { runExtensionTests } from './run-ext-tests.mjs';
import { CLI, OUT_DIR, REPO_ROOT, SKIP_UNBUILT, run } from './drive-env.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace', 'deployments');

const skip = SKIP_UNBUILT;

/** A git repository with payment-service and broken.yaml, dev and staging already recorded. */
function makeWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'atmos-restricted-ws-'));
  fs.cpSync(FIXTURE, path.join(ws, 'deployments'), { recursive: true });
  run(ws, 'git', ['init', '-q', '-b', 'main']);
  run(ws, 'git', ['add', '.']);
  run(ws, 'git', ['commit', '-q', '-m', 'deployments']);
  const rollout = (...args) =>
    run(ws, process.execPath, [CLI, 'rollout', 'payment-service', '--cwd', ws, ...args]);
  // One of the fixture's components is enough for the state the views show.
  const c = ['--component', 'api'];
  rollout('--target', 'dev', ...c);
  rollout('--target', 'staging', '--promote-from', 'dev', ...c);
  run(ws, 'git', ['commit', '-q', '--allow-empty', '-m', 'newer']);
  rollout('--target', 'dev', ...c);
  // A deploy command in the workspace's settings (not committed), which Restricted Mode must
  // ignore: nothing may run it.
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.writeFileSync(
    path.join(ws, '.vscode', 'settings.json'),
    JSON.stringify({ 'atmosDeployments.deployCommand': 'touch deployed-in-restricted-mode' }),
  );
  return ws;
}

test(
  'real VS Code in Restricted Mode: validation works, git writes refuse',
  { skip, timeout: 10 * 60 * 1000 },
  async () => {
    await setup();
    const ws = makeWorkspace();
    let vscode;
    try {
      vscode = await start({ folder: ws, extensionDevelopmentPath: REPO_ROOT, trust: false });
      const lines = [];
      const code = await runExtensionTests({
        server: vscode,
        extensionDevelopmentPath: REPO_ROOT,
        extensionTestsPath: path.join(HERE, 'suite', 'restricted'),
        screenshot: path.join(OUT_DIR, 'restricted-mode.png'),
        log: (line) => {
          lines.push(line);
          console.log(line);
        },
      });
      assert.equal(
        code,
        0,
        `restricted suite exited ${code}:\n${lines.join('\n')}\n--- code-server log\n${vscode.readLog()}`,
      );
    } finally {
      await vscode?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  },
);
