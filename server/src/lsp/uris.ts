/**
 * URI handling. Clients encode file URIs in different ways (VS Code escapes more characters
 * than node does), so every URI is keyed by one canonical spelling; the spelling the client
 * used is kept for what is sent back to it.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The canonical key of a URI: node's spelling for file URIs, the URI as given otherwise. */
export function canonicalUri(uri: string): string {
  const p = uriToPath(uri);
  return p === undefined ? uri : pathToFileURL(p).href;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.normalize(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}
