/**
 * Settings are pulled per workspace folder (section `atmosDeployments`) and checked field by
 * field, so a wrong type in settings.json falls back to the default instead of breaking the
 * server.
 */
import { DEFAULT_SETTINGS, type Settings } from '../protocol/requests';

export const SETTINGS_SECTION = 'atmosDeployments';

export function readSettings(raw: unknown): Settings {
  const o = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const str = (k: keyof Settings) =>
    typeof o[k] === 'string' ? (o[k] as string) : (DEFAULT_SETTINGS[k] as string);
  const files = str('files').trim() || DEFAULT_SETTINGS.files;
  const size = o.maxFileSize;
  return {
    files,
    remote: str('remote'),
    approvalRole: str('approvalRole'),
    deployCommand: str('deployCommand'),
    maxFileSize:
      typeof size === 'number' && Number.isFinite(size) && size > 0
        ? Math.floor(size)
        : DEFAULT_SETTINGS.maxFileSize,
  };
}

export function sameSettings(a: Settings, b: Settings): boolean {
  return (Object.keys(a) as Array<keyof Settings>).every((k) => a[k] === b[k]);
}
