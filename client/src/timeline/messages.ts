/**
 * The messages between the timeline panel (extension host) and its page (webview). Both sides
 * import this file, so it holds the types and their runtime guards only: no `vscode`, no DOM.
 * The host fetches the history; the page builds the timeline model from it with the core's pure
 * `buildTimeline` (so a component filter or a time cursor needs no round trip) and reports clicks.
 *
 * The page could be made to post anything, so the host checks every message with
 * `isFromTimeline` before it acts on it, and the page checks the host's with `isToTimeline`.
 */
import type { HistoryEntry } from '../../../server/src/protocol/requests';

export interface TimelineData {
  deployment: string;
  /** The deployment's targets in promotion order (lanes); recorded-only targets follow. */
  targets: string[];
  /** Newest first, as history lists them. */
  entries: HistoryEntry[];
  subjects: Record<string, string>;
  /** The most records asked for; `entries.length === limit` means older ones were left out. */
  limit: number;
  /** The component filter the timeline opens with. */
  component?: string;
  /** The target Show History was asked for, shown first in the page's note. */
  target?: string;
}

export type ToTimeline =
  { type: 'timeline'; data: TimelineData } | { type: 'error'; message: string };

export type FromTimeline =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'markdown' }
  /** Open the record of this tag (its details and the commits it brought). */
  | { type: 'open'; tag: string };

/** What the page keeps with vscode.setState, and the serializer gets back after a reload. */
export interface TimelineState {
  deployment?: string;
}

/** Longest tag name a message may carry; real ones are far shorter. */
const MAX_TEXT = 4096;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isName = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT;

/** True when a message from the page is one of `FromTimeline`, with fields of the right kind. */
export function isFromTimeline(m: unknown): m is FromTimeline {
  if (!isRecord(m)) return false;
  switch (m.type) {
    case 'ready':
    case 'refresh':
    case 'markdown':
      return true;
    case 'open':
      return isName(m.tag);
    default:
      return false;
  }
}

/**
 * True when a message from the host is one of `ToTimeline`. The host is the extension, so only
 * the shape is checked, enough that the page never reads a field of something that is not there.
 */
export function isToTimeline(m: unknown): m is ToTimeline {
  if (!isRecord(m)) return false;
  switch (m.type) {
    case 'timeline':
      return (
        isRecord(m.data) &&
        typeof m.data.deployment === 'string' &&
        Array.isArray(m.data.targets) &&
        Array.isArray(m.data.entries) &&
        isRecord(m.data.subjects) &&
        typeof m.data.limit === 'number'
      );
    case 'error':
      return typeof m.message === 'string';
    default:
      return false;
  }
}
