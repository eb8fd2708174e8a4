/**
 * The process behind test/git/http-remote.ts: a node `http` server on 127.0.0.1 and an
 * ephemeral port that runs `git http-backend` (CGI) for each request. It runs as a child
 * process of the test, not inside it, because the tests drive git and the CLI with spawnSync,
 * which would block an in-process server's event loop and hang the clone it serves.
 *
 * Usage: `node --import tsx http-remote-server.ts <project-root>`; prints `listening <port>`
 * once it accepts connections. It stops on SIGTERM, and when its standard input closes (the
 * test process died without stopping it), killing every CGI process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createGunzip } from 'node:zlib';

const root = process.argv[2];
if (!root || !existsSync(root)) {
  process.stderr.write('usage: http-remote-server.ts <project-root>\n');
  process.exit(2);
}

const exec = execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim();
const backend = path.join(exec, 'git-http-backend');
if (!existsSync(backend)) {
  process.stderr.write(`git http-backend is not installed (looked for ${backend}).\n`);
  process.exit(2);
}

const running = new Set<ChildProcess>();

const server = createServer(serve);

function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'atmos-test-http-remote',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
  };
  // Protocol v2 is negotiated through this header; http-backend reads it from GIT_PROTOCOL.
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;
  // git compresses large request bodies (`Content-Encoding: gzip`). The body is inflated here
  // and handed to the CGI as plain bytes. Without CONTENT_LENGTH http-backend reads its input
  // to end-of-file, which is what both an inflated body and a chunked upload need.
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  const gzipped = encoding === 'gzip' || encoding === 'x-gzip';
  const length = req.headers['content-length'];
  if (!gzipped && length !== undefined) env.CONTENT_LENGTH = length;
  // One line per request, so a failing test can show what reached the server and how.
  process.stderr.write(
    `request ${env.REQUEST_METHOD} ${url.pathname}${url.search} encoding=${encoding || 'identity'} length=${length ?? (req.headers['transfer-encoding'] ? 'chunked' : 'none')}\n`,
  );

  const child = spawn(backend, [], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    // The CGI's own errors (a missing repository, a bad request) are the first thing to read
    // when a test fails, so they are passed on to this process's stderr, which the test shows.
    process.stderr.write(c);
  });
  child.on('error', (e) => fail(`cannot start git http-backend: ${e.message}`));
  child.stdin!.on('error', () => undefined);

  const body = gzipped ? req.pipe(createGunzip()) : req;
  body.on('error', (e) => {
    fail(`bad request body: ${e.message}`);
    child.kill('SIGKILL');
  });
  body.pipe(child.stdin!);

  // The CGI answer is header lines, a blank line, then the body, which is streamed as it comes.
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (!end) return;
    const { status, reason, headers } = parseCgiHeaders(head.subarray(0, end.at).toString());
    res.writeHead(status, reason, headers);
    headersSent = true;
    const rest = head.subarray(end.at + end.length);
    if (rest.length > 0) res.write(rest);
  });
  child.on('close', (code) => {
    running.delete(child);
    if (!headersSent) fail(`git http-backend ended (${code}) without headers: ${stderr.trim()}`);
    else res.end();
  });
  // A client that goes away mid-answer must not leave its CGI running.
  res.on('close', () => {
    if (!res.writableFinished) child.kill('SIGKILL');
  });

  function fail(message: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(`${message}\n`);
  }
}

/** Where the CGI headers end: the first blank line, written with CRLF or LF. */
function headerEnd(buf: Buffer): { at: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

/**
 * CGI response headers (RFC 3875 section 6.3): `Status: 404 Not Found` sets the HTTP status and
 * is not passed on as a header; every other header is; no Status means 200.
 */
function parseCgiHeaders(text: string): {
  status: number;
  reason: string;
  headers: Record<string, string | string[]>;
} {
  let status = 200;
  let reason: string | undefined;
  const headers: Record<string, string | string[]> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key.toLowerCase() === 'status') {
      const m = /^(\d{3})\s*(.*)$/.exec(value);
      if (m) {
        status = Number(m[1]);
        reason = m[2] || undefined;
      }
      continue;
    }
    const prior = headers[key];
    if (prior === undefined) headers[key] = value;
    else headers[key] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return { status, reason: reason ?? STATUS_CODES[status] ?? '', headers };
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const child of running) child.kill('SIGKILL');
  server.closeAllConnections();
  server.close(() => process.exit(0));
  // Closing waits for nothing else, but a stuck socket must not keep the process alive.
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
