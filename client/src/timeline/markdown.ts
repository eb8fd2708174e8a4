/**
 * The history as Markdown text: the timeline's "Open as Markdown" (the table Show History used
 * to open) and the report of one record a click on a mark opens. Every value comes from a
 * repository we do not control, so each is escaped for a Markdown table cell.
 */
import type { HistoryEntry } from '../../../server/src/protocol/requests';

const short = (sha: string | undefined) => (sha ? sha.slice(0, 7) : '');
const esc = (s: string | undefined) => (s ?? '').replace(/[|\\`<>*_[\]]/g, (c) => `\\${c}`);

/** A readable Markdown document of the recorded rollouts, newest first. */
export function historyMarkdown(title: string, entries: HistoryEntry[]): string {
  const lines = [`# History: ${esc(title)}`, ''];
  if (!entries.length) {
    lines.push('No rollouts recorded yet.');
    return lines.join('\n');
  }
  lines.push(
    '| When | Target | Component | SHA | Status | By | From | Approver | Tag |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const e of entries) {
    const from = e.rollbackOf ? `rollback of ${e.rollbackOf}` : (e.promotedFrom ?? 'commit');
    lines.push(
      `| ${esc(e.timestamp)} | ${esc(e.target)} | ${esc(e.component)} | \`${short(e.gitSha)}\` | ${esc(e.status)} | ${esc(e.deployedBy)} | ${esc(from)} | ${esc(e.approver)} | ${esc(e.tag)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * One record: its fields, and the commits it brought (the range from what the target ran before
 * it, `previous`, to its SHA) as the command that lists them.
 */
export function recordMarkdown(
  e: HistoryEntry,
  subject: string | undefined,
  previous: HistoryEntry | undefined,
): string {
  const from = e.rollbackOf
    ? `rollback of ${e.rollbackOf}`
    : e.promotedFrom
      ? `promoted from ${e.promotedFrom}`
      : 'rolled out from a commit';
  const lines = [
    `# ${esc(e.target)} · ${esc(e.component)}: ${short(e.gitSha)}${subject ? ` ${esc(subject)}` : ''}`,
    '',
    '| Field | Value |',
    '|---|---|',
    `| Tag | ${esc(e.tag)} |`,
    `| Commit | \`${esc(e.gitSha)}\` |`,
    `| Subject | ${esc(subject)} |`,
    `| When | ${esc(e.timestamp)} |`,
    `| Status | ${esc(e.status)} |`,
    `| By | ${esc(e.deployedBy)} |`,
    `| From | ${esc(from)} |`,
    `| Approval | ${e.approver ? `approved by ${esc(e.approver)}` : 'none recorded'} |`,
  ];
  lines.push('', 'To see the tag and the commit:', '', '```sh', `git show ${e.tag}`, '```');
  if (previous && previous.gitSha !== e.gitSha) {
    lines.push(
      '',
      `Before it, ${esc(e.target)} ran \`${short(previous.gitSha)}\` (${esc(previous.timestamp)}). The commits it brought:`,
      '',
      '```sh',
      `git log --oneline ${previous.gitSha}..${e.gitSha}`,
      '```',
    );
  }
  return lines.join('\n');
}
