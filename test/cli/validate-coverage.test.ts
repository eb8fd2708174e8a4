/**
 * `validate` checks every file or says why it could not (issue 16, class 5). A table of file
 * kinds (regular, non-UTF-8 names, links, FIFOs, devices, unreadable files and folders, folders
 * named like files) is run alone, all together and in seeded random mixes, in every output
 * format and in every way of naming the files (no paths, a folder, the entry itself). One
 * oracle judges all runs: each entry is either checked (its problems reported under its name)
 * or listed as not checked with its reason, and the exit code is 2 whenever anything was not
 * checked, so a CI gate never passes by skipping.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, ROOT } from './helpers';

type Expect = { checked: 'clean' | 'error'; files?: string[] } | { unchecked: RegExp };

interface Kind {
  id: string;
  /** The entry as the report names it, relative to the folder validate runs in. */
  name: string;
  make(dir: string): void;
  expect: Expect;
  /** Outside deployments/: only a walk of the whole tree reaches it. */
  outside?: boolean;
  /** The name cannot be passed as a command-line argument (argv is decoded as UTF-8). */
  noArg?: boolean;
  /** Entries that are folders: what a walk of them checks, when it differs from `name`. */
  checkedNames?: string[];
}

const clean = (n: string) => `deployment:\n  name: ${n}\n  targets:\n    dev: {}\n`;
const broken = (n: string) =>
  `deployment:\n  name: ${n}\n  targets:\n    dev: {}\n    prod:\n      promotion:\n        from: nope\n`;
const D = 'deployments';
/** A path with raw bytes in it: Linux names are bytes, not necessarily UTF-8. */
const bytesPath = (dir: string, ...parts: Array<string | number[]>) =>
  Buffer.concat([Buffer.from(dir + '/'), ...parts.map((p) => Buffer.from(p as string))]);

const KINDS: Kind[] = [
  {
    id: 'clean',
    name: `${D}/clean.yaml`,
    make: (d) => writeFileSync(path.join(d, D, 'clean.yaml'), clean('clean')),
    expect: { checked: 'clean' },
  },
  {
    id: 'error',
    name: `${D}/error.yml`,
    make: (d) => writeFileSync(path.join(d, D, 'error.yml'), broken('error')),
    expect: { checked: 'error' },
  },
  {
    id: 'latin1-name',
    name: `${D}/caf\\xe9.yaml`,
    make: (d) => writeFileSync(bytesPath(d, `${D}/caf`, [0xe9], '.yaml'), broken('latin')),
    expect: { checked: 'error' },
    noArg: true,
  },
  {
    id: 'ff-name-clean',
    name: `${D}/ok\\xff\\xfe.yaml`,
    make: (d) => writeFileSync(bytesPath(d, `${D}/ok`, [0xff, 0xfe], '.yaml'), clean('ffok')),
    expect: { checked: 'clean' },
    noArg: true,
  },
  {
    id: 'utf8-name',
    name: `${D}/prød-ü.yaml`,
    make: (d) => writeFileSync(path.join(d, D, 'prød-ü.yaml'), broken('utf')),
    expect: { checked: 'error' },
  },
  {
    id: 'link-to-file',
    name: `${D}/linked.yaml`,
    make: (d) => {
      writeFileSync(path.join(d, 'store', 'linked.txt'), broken('linked'));
      symlinkSync('../store/linked.txt', path.join(d, D, 'linked.yaml'));
    },
    expect: { checked: 'error' },
  },
  {
    id: 'link-to-folder',
    name: `${D}/linkdir`,
    make: (d) => {
      mkdirSync(path.join(d, 'store', 'sub'));
      writeFileSync(path.join(d, 'store', 'sub', 'inner.yaml'), broken('inner'));
      symlinkSync('../store/sub', path.join(d, D, 'linkdir'));
    },
    expect: { checked: 'error', files: [`${D}/linkdir/inner.yaml`] },
  },
  {
    id: 'link-loop-folder',
    name: `${D}/loopdir`,
    make: (d) => {
      mkdirSync(path.join(d, D, 'loopdir'));
      writeFileSync(path.join(d, D, 'loopdir', 'x.yaml'), clean('loopx'));
      symlinkSync('.', path.join(d, D, 'loopdir', 'back'));
    },
    expect: { checked: 'clean', files: [`${D}/loopdir/x.yaml`] },
  },
  {
    id: 'fifo',
    name: `${D}/pipe.yaml`,
    make: (d) => mkfifo(path.join(d, D, 'pipe.yaml')),
    expect: { unchecked: /^a FIFO \(named pipe\), not a file$/ },
  },
  {
    id: 'dangling-link',
    name: `${D}/dangling.yaml`,
    make: (d) => symlinkSync('gone.yaml', path.join(d, D, 'dangling.yaml')),
    expect: { unchecked: /^a link whose target does not exist$/ },
  },
  {
    id: 'self-link',
    name: `${D}/self.yaml`,
    make: (d) => symlinkSync('self.yaml', path.join(d, D, 'self.yaml')),
    expect: { unchecked: /^a link that loops back on itself$/ },
  },
  {
    id: 'link-to-device',
    name: `${D}/null.yaml`,
    make: (d) => symlinkSync('/dev/null', path.join(d, D, 'null.yaml')),
    expect: { unchecked: /^a link to a character device, not a file$/ },
  },
  {
    id: 'link-to-zero',
    name: `${D}/zero.yml`,
    make: (d) => symlinkSync('/dev/zero', path.join(d, D, 'zero.yml')),
    expect: { unchecked: /^a link to a character device, not a file$/ },
  },
  {
    id: 'folder-named-yaml',
    name: `${D}/prod.yaml`,
    make: (d) => {
      mkdirSync(path.join(d, D, 'prod.yaml'));
      writeFileSync(path.join(d, D, 'prod.yaml', 'x.yaml'), broken('hidden'));
    },
    expect: { unchecked: /^a folder, not a file$/ },
  },
  {
    id: 'unreadable-file',
    name: `${D}/secret.yaml`,
    make: (d) => {
      writeFileSync(path.join(d, D, 'secret.yaml'), broken('secret'));
      chmodSync(path.join(d, D, 'secret.yaml'), 0o000);
    },
    expect: { unchecked: /^a file that cannot be read \(EACCES\)$/ },
  },
  {
    id: 'unreadable-folder',
    name: `${D}/locked`,
    make: (d) => {
      mkdirSync(path.join(d, D, 'locked'));
      writeFileSync(path.join(d, D, 'locked', 'in.yaml'), broken('locked'));
      chmodSync(path.join(d, D, 'locked'), 0o000);
    },
    expect: { unchecked: /^a folder that cannot be read \(EACCES\)$/ },
  },
  {
    id: 'unreadable-folder-outside',
    name: 'apps/locked',
    make: (d) => {
      mkdirSync(path.join(d, 'apps', 'locked'), { recursive: true });
      chmodSync(path.join(d, 'apps', 'locked'), 0o000);
    },
    expect: { unchecked: /^a folder that cannot be read \(EACCES\)$/ },
    outside: true,
  },
];

function mkfifo(p: string): void {
  const r = spawnSync('mkfifo', [p]);
  assert.equal(r.status, 0, `mkfifo: ${r.stderr}`);
}

type Mode = 'walk' | 'folder' | 'entry';
const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const made: string[] = [];
after(() => {
  for (const dir of made) {
    // Locked folders are opened again so that the clean-up also works without root.
    spawnSync('chmod', ['-R', 'u+rwX', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function setUp(kinds: Kind[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-validate-cov-'));
  made.push(dir);
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, D));
  mkdirSync(path.join(dir, 'store'));
  for (const k of kinds) k.make(dir);
  return dir;
}

let nobodysCli: string | undefined;

/**
 * The built CLI where `nobody` can read it. The checkout may sit in a folder only root may enter
 * (a fresh clone in a `mktemp -d` folder is 0700), so the bundle and the one package it loads at
 * run time (ajv's runtime helpers) are copied to a world-readable folder once.
 */
function cliForNobody(): string {
  if (nobodysCli) return nobodysCli;
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-cli-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'dist'), { mode: 0o755 });
  copyFileSync(CLI, path.join(dir, 'dist', 'cli.js'));
  cpSync(path.join(ROOT, 'node_modules', 'ajv'), path.join(dir, 'node_modules', 'ajv'), {
    recursive: true,
  });
  chmodSync(path.join(dir, 'node_modules'), 0o755);
  nobodysCli = path.join(dir, 'dist', 'cli.js');
  return nobodysCli;
}

/**
 * Runs the CLI with a 20 s limit (a FIFO that is opened blocks forever; the limit turns that
 * into a failure). As root, permissions mean nothing, so the run drops to `nobody` to make the
 * unreadable kinds unreadable.
 */
function run(dir: string, args: string[]) {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [asRoot ? cliForNobody() : CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 20_000,
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function argsFor(mode: Mode, format: Format, kinds: Kind[]): string[] {
  const base = ['validate', '--format', format];
  if (mode === 'walk') return base;
  if (mode === 'folder') return [...base, D];
  return [...base, ...kinds.map((k) => k.name)];
}

/** What one run must report: the oracle, from the kinds in scope alone. */
function expected(kinds: Kind[], mode: Mode) {
  const inScope = kinds.filter((k) => mode === 'walk' || !k.outside);
  const checked: string[] = [];
  const errorFiles: string[] = [];
  const unchecked = new Map<string, RegExp>();
  for (const k of inScope) {
    if ('unchecked' in k.expect) unchecked.set(k.name, k.expect.unchecked);
    else {
      const names = k.expect.files ?? [k.name];
      checked.push(...names);
      if (k.expect.checked === 'error') errorFiles.push(...names);
    }
  }
  const code = unchecked.size ? 2 : errorFiles.length ? 1 : 0;
  return { checked, errorFiles: [...new Set(errorFiles)].sort(), unchecked, code };
}

function judge(kinds: Kind[], mode: Mode, format: Format): void {
  const dir = setUp(kinds);
  const r = run(dir, argsFor(mode, format, kinds));
  const want = expected(kinds, mode);
  const ctx = `${mode}/${format} [${kinds.map((k) => k.id).join(', ')}]\n${r.stdout}\n${r.stderr}`;
  assert.equal(r.signal, null, `timed out or killed: ${ctx}`);
  assert.equal(r.code, want.code, ctx);
  // Whatever the format, stderr names every file that was not checked, with its reason.
  const notes = new Map(
    [...r.stderr.matchAll(/^(.*): not checked: (.*)\.$/gm)].map((m) => [m[1], m[2]]),
  );
  assert.deepEqual([...notes.keys()].sort(), [...want.unchecked.keys()].sort(), ctx);
  for (const [file, reason] of want.unchecked) assert.match(notes.get(file)!, reason, ctx);
  if (format === 'json') {
    const json = JSON.parse(r.stdout) as {
      files: number;
      diagnostics: Array<{ file: string; code: string }>;
      unchecked: Array<{ file: string; reason: string }>;
    };
    assert.equal(json.files, want.checked.length, ctx);
    assert.deepEqual(
      [...new Set(json.diagnostics.map((d) => d.file))].sort(),
      want.errorFiles,
      ctx,
    );
    assert.ok(
      json.diagnostics.every((d) => d.code === 'unknown-source'),
      ctx,
    );
    assert.deepEqual(json.unchecked.map((u) => u.file).sort(), [...want.unchecked.keys()].sort());
    for (const u of json.unchecked) assert.match(u.reason, want.unchecked.get(u.file)!, ctx);
  } else if (format === 'sarif') {
    const sarif = JSON.parse(r.stdout) as {
      runs: Array<{
        results: Array<{
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
        }>;
        invocations: Array<{
          executionSuccessful: boolean;
          toolExecutionNotifications: Array<{
            level: string;
            message: { text: string };
            locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
          }>;
        }>;
      }>;
    };
    const [only] = sarif.runs;
    const uris = only.results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri);
    assert.deepEqual([...new Set(uris)].sort(), want.errorFiles, ctx);
    const [inv] = only.invocations;
    assert.equal(inv.executionSuccessful, want.unchecked.size === 0, ctx);
    const notified = inv.toolExecutionNotifications.map(
      (n) => n.locations[0].physicalLocation.artifactLocation.uri,
    );
    assert.deepEqual(notified.sort(), [...want.unchecked.keys()].sort(), ctx);
    assert.ok(
      inv.toolExecutionNotifications.every((n) => n.level === 'error'),
      ctx,
    );
  } else {
    const lines = r.stdout.split('\n').filter(Boolean);
    const files = lines.map((l) => /^(.*):\d+:\d+: error unknown-source /.exec(l)?.[1]);
    assert.ok(files.every(Boolean), ctx);
    assert.deepEqual([...new Set(files)].sort(), want.errorFiles, ctx);
    const n = want.checked.length;
    const summary = `${n} file${n === 1 ? '' : 's'} checked: `;
    if (n || want.unchecked.size) assert.ok(r.stderr.includes(summary), ctx);
    if (want.unchecked.size)
      assert.match(r.stderr, new RegExp(`; ${want.unchecked.size} not checked\\.`), ctx);
    else assert.doesNotMatch(r.stderr, /not checked/, ctx);
  }
}

const MODES: Mode[] = ['walk', 'folder', 'entry'];

describe('validate checks every file or says why not', () => {
  for (const k of KINDS)
    for (const mode of MODES) {
      if (mode === 'entry' && (k.noArg || k.outside)) continue;
      for (const format of FORMATS)
        it(`${k.id}, ${mode}, ${format}`, () => judge([k], mode, format));
    }

  for (const format of FORMATS)
    for (const mode of ['walk', 'folder'] as const)
      it(`every kind together, ${mode}, ${format}`, () => judge(KINDS, mode, format));

  // Seeded mixes, so that a failure names a case that can be run again.
  let seed = 16;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 24; i++) {
    const mix = KINDS.filter(() => next() % 3 === 0);
    const mode = MODES[next() % 3];
    const format = FORMATS[next() % 3];
    const usable = mode === 'entry' ? mix.filter((k) => !k.noArg && !k.outside) : mix;
    if (!usable.length) continue;
    it(`mix ${i}: ${usable.map((k) => k.id).join(', ')}, ${mode}, ${format}`, () =>
      judge(usable, mode, format));
  }
});
