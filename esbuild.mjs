// One build script for every bundle the project ships: the VS Code client, the language
// server, the CLI and the graph and timeline webviews. `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { writeValidator } from './scripts/gen-schema-validator.mjs';
import { writeUnicodeNames } from './scripts/gen-unicode-names.mjs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// The schema's validator is generated code; rewrite it when the schema changed.
writeValidator();
// So is the table of Unicode names the invalid-name messages use.
await writeUnicodeNames();

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  {
    ...common,
    entryPoints: ['client/src/extension.ts'],
    outfile: 'dist/client.js',
    // dist/elk.js is loaded on first use of the graph (client/src/graph/elk.ts says why).
    external: ['vscode', './elk.js'],
  },
  { ...common, entryPoints: ['client/src/graph/elk.ts'], outfile: 'dist/elk.js' },
  { ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  {
    ...common,
    entryPoints: ['server/src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { ATMOS_VERSION: JSON.stringify(version) },
  },
];

// The webview is browser code; it only exists once the graph panel is built.
if (existsSync('client/webview/main.ts')) {
  builds.push({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: ['client/webview/main.ts'],
    outfile: 'dist/webview/main.js',
  });
}
// The promotion timeline's page, browser code like the graph's.
if (existsSync('client/webview/timeline.ts')) {
  builds.push({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: ['client/webview/timeline.ts'],
    outfile: 'dist/webview/timeline.js',
  });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
