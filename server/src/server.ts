/**
 * Language server entry: `node dist/server.js --stdio` (or `--node-ipc`, or `--socket=<port>`;
 * vscode-languageserver reads the transport from the command line).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startSession } from './lsp/session';

startSession(createConnection(ProposedFeatures.all));
