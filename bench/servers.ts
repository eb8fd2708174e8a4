/** The language servers under test, configured as their editors configure them. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_EXEC_ARGV } from '../server/src/lsp/memory';
import type { ServerSpec } from './lsp-client';

export const ROOT = path.resolve(__dirname, '..');
export const SCHEMA_PATH = path.join(ROOT, 'schemas', 'deployment.schema.json');

/**
 * Our server as VS Code starts it: `node dist/server.js` with the node options the extension
 * passes (SERVER_EXEC_ARGV), default settings; over stdio here, over IPC in VS Code.
 * BENCH_ATMOS_SERVER points at another bundle, to compare two builds on one machine.
 */
export function atmosServer(): ServerSpec {
  return {
    label: 'atmos-deployments',
    args: [
      ...SERVER_EXEC_ARGV,
      process.env.BENCH_ATMOS_SERVER || path.join(ROOT, 'dist', 'server.js'),
      '--stdio',
    ],
    settings: (section) => (section === 'atmosDeployments' ? {} : null),
  };
}

/**
 * yaml-language-server as vscode-yaml runs it, with `yaml.schemas` mapping our schema to the
 * deployment files (what the extension's `yamlValidation` contribution does in VS Code) and the
 * schema store off, since it would fetch a catalogue from the network.
 */
export function yamlLanguageServer(): ServerSpec {
  const schemaUri = pathToFileURL(SCHEMA_PATH).href;
  const yaml = {
    schemas: { [schemaUri]: ['**/deployments/**/*.yaml', '**/deployments/**/*.yml'] },
    schemaStore: { enable: false },
    validate: true,
    hover: true,
    completion: true,
    format: { enable: false },
  };
  return {
    label: 'yaml-language-server',
    args: [
      path.join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server'),
      '--stdio',
    ],
    settings: (section) => {
      if (section === 'yaml') return yaml;
      if (section === 'http') return { proxy: '', proxyStrictSSL: false };
      if (section === '[yaml]' || section === 'editor') return {};
      return null;
    },
  };
}
