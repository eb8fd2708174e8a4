/**
 * Settings are pulled per workspace folder (section `atmosDeployments`) and checked field by
 * field, so a wrong type in settings.json falls back to the default instead of breaking the
 * server.
 */
import { limitsFrom } from '../core';
import { DEFAULT_SETTINGS, type Settings } from '../protocol/requests';

export const SETTINGS_SECTION = 'atmosDeployments';

export function readSettings(raw: unknown): Settings {
  const o = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const str = (k: keyof Settings) =>
    typeof o[k] === 'string' ? (o[k] as string) : (DEFAULT_SETTINGS[k] as string);
  const files = str('files').trim() || DEFAULT_SETTINGS.files;
  // The parse limits are checked by the core, the same way the CLI's flags are.
  const { maxFileSize, maxAliasCount, maxDepth, maxNodes } = limitsFrom(o);
  return {
    files,
    remote: str('remote'),
    approvalRole: str('approvalRole'),
    deployCommand: str('deployCommand'),
    policyRev: str('policyRev'),
    requestPollInterval: pollInterval(o.requestPollInterval),
    maxFileSize,
    maxAliasCount,
    maxDepth,
    maxNodes,
  };
}

/** Seconds, a whole number from 0 (off) up; anything else is the default. */
function pollInterval(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0
    ? Math.floor(v)
    : DEFAULT_SETTINGS.requestPollInterval;
}

export function sameSettings(a: Settings, b: Settings): boolean {
  return (Object.keys(a) as Array<keyof Settings>).every((k) => a[k] === b[k]);
}
