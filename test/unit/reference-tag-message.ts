/**
 * A test-only copy of parseTagMessage as it was before the single-pass reader
 * (server/src/core/flat-record.ts), kept unchanged as the reference the differential test in
 * flat-record.test.ts compares the new reader with. Do not change it to follow the product code.
 */
import { parse as parseYaml } from 'yaml';
import {
  TAG_MESSAGE_HEADER,
  type DeploymentRecord,
  type RecordStatus,
} from '../../server/src/core';

/** A key at the start of a line, then nothing (a nested block follows) or one space and a value. */
const FLAT_KEY = /^([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?$/;
/**
 * A plain scalar that YAML's failsafe schema reads as exactly its own text: no indicator first
 * (`-` only before more text), no space, `#`, quote, flow character or `: ` anywhere, no `:` last.
 */
const FLAT_PLAIN = /^(?:[A-Za-z0-9_./+=~^]|-(?=.))(?:[A-Za-z0-9_./+=~^@-]|:(?=[^ ]))*$/;

function flatScalar(raw: string): string | undefined {
  if (/^"[^"\\]*"$/.test(raw) || /^'[^']*'$/.test(raw)) return raw.slice(1, -1);
  return FLAT_PLAIN.test(raw) ? raw : undefined;
}

function readFlatRecord(text: string): Record<string, unknown> | undefined {
  const lines = text.split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const out: Record<string, unknown> = {};
  let metadata: Record<string, string> | undefined;
  for (const line of lines) {
    const nested = line.startsWith('  ');
    const m = FLAT_KEY.exec(nested ? line.slice(2) : line);
    if (!m || m[1] === '__proto__') return undefined;
    const [, key, raw] = m;
    if (nested) {
      const value = raw === undefined ? undefined : flatScalar(raw);
      if (!metadata || value === undefined || Object.hasOwn(metadata, key)) return undefined;
      metadata[key] = value;
      continue;
    }
    if (metadata && Object.keys(metadata).length === 0) return undefined;
    metadata = undefined;
    if (Object.hasOwn(out, key)) return undefined;
    if (raw === undefined) {
      if (key !== 'metadata') return undefined;
      metadata = {};
      out[key] = metadata;
      continue;
    }
    const value = flatScalar(raw);
    if (value === undefined) return undefined;
    out[key] = value;
  }
  if (metadata && Object.keys(metadata).length === 0) return undefined;
  return out;
}

/** The earlier parseTagMessage, and which of its two readers answered. */
export function referenceParseTagMessage(message: string): {
  record: DeploymentRecord | undefined;
  flat: boolean;
} {
  const text = message.replace(/\r\n/g, '\n');
  if (!text.startsWith(TAG_MESSAGE_HEADER)) return { record: undefined, flat: false };
  const yamlText = text.slice(TAG_MESSAGE_HEADER.length).split('\n-----BEGIN ')[0];
  let body: unknown = readFlatRecord(yamlText);
  const flat = body !== undefined;
  if (body === undefined) {
    try {
      body = parseYaml(yamlText, { maxAliasCount: 10, schema: 'failsafe' });
    } catch {
      return { record: undefined, flat };
    }
  }
  if (!body || typeof body !== 'object') return { record: undefined, flat };
  const b = body as Record<string, unknown>;
  const str = (k: string) => (b[k] === undefined || b[k] === null ? undefined : String(b[k]));
  const required = ['deployment', 'target', 'component', 'git_sha', 'timestamp', 'status'];
  if (required.some((k) => str(k) === undefined)) return { record: undefined, flat };
  const metadata: Record<string, string> = {};
  if (b.metadata && typeof b.metadata === 'object') {
    for (const [k, v] of Object.entries(b.metadata as Record<string, unknown>))
      metadata[k] = String(v);
  }
  return {
    flat,
    record: {
      deployment: str('deployment')!,
      target: str('target')!,
      component: str('component')!,
      deployed_by: str('deployed_by') ?? '',
      build_id: str('build_id') ?? '',
      git_sha: str('git_sha')!,
      timestamp: str('timestamp')!,
      status: (str('status') as RecordStatus) ?? 'success',
      promoted_from: str('promoted_from'),
      promoted_at: str('promoted_at'),
      metadata,
      rollback_of: str('rollback_of'),
      policy_sha: str('policy_sha'),
    },
  };
}
