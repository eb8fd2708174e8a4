/**
 * Approval requests in the editor (design section 11): the open requests the server lists,
 * a status bar item counting the ones waiting for you, and a notification when a new one
 * arrives while VS Code is open. Which requests exist and whose they are is the server's
 * answer (`atmosDeployments/approvalRequests`); nothing here decides who may approve.
 */
import * as vscode from 'vscode';
import { displayName } from '../../../server/src/core/display';
import {
  ApprovalRequestsRequest,
  type ApprovalRequestInfo,
} from '../../../server/src/protocol/requests';
import type { Session } from '../session';

/** A request's identity across refreshes: a new request of the same target is a new key. */
export function requestKey(r: ApprovalRequestInfo): string {
  return `${r.deployment}\u0000${r.target}\u0000${r.requestedAt}\u0000${r.requestedBy}`;
}

/** `payment-service: staging → prod`, names escaped for display. */
export function requestRoute(r: ApprovalRequestInfo): string {
  return `${displayName(r.deployment)}: ${requestSource(r)} → ${displayName(r.target)}`;
}

/** The source as people say it: the target, or `commit` for a commit rolled out directly. */
export function requestSource(r: ApprovalRequestInfo): string {
  return r.direct ? 'commit' : displayName(r.promotedFrom);
}

/** The plan of a request as the Review modal and tooltips show it. */
export function requestDetail(r: ApprovalRequestInfo): string {
  const lines = [
    `Requested by ${displayName(r.requestedBy)} at ${r.requestedAt}`,
    `Expires ${r.expiresAt}`,
    '',
    'Components:',
    ...Object.entries(r.components).map(([c, sha]) => `  ${displayName(c)}: ${sha.slice(0, 7)}`),
    '',
    `Approvers: ${r.approvers.length ? r.approvers.map(displayName).join(', ') : 'anyone (manual)'}`,
    `So far: ${r.summary}`,
  ];
  for (const p of r.problems) lines.push(`! ${p}`);
  return lines.join('\n');
}

export class ApprovalRequests implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly item: vscode.StatusBarItem;
  private loading: Promise<ApprovalRequestInfo[]> | undefined;
  /** Requests seen before; undefined until the first answer, which never notifies. */
  private seen: Set<string> | undefined;
  list: ApprovalRequestInfo[] = [];
  /** Notifications shown, newest last (the in-host tests read them). */
  readonly notices: string[] = [];

  constructor(
    private readonly session: Session,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item = vscode.window.createStatusBarItem(
      'atmosDeployments.requests',
      vscode.StatusBarAlignment.Left,
      10,
    );
    this.item.name = 'Atmos Deployments: approval requests';
    this.item.command = 'atmosDeployments.reviewRequest';
  }

  /** What the status bar item shows (the in-host tests read it; VS Code has no API for that). */
  statusBar = { text: '', visible: false };

  /** The requests waiting for the editor's git identity. */
  get yours(): ApprovalRequestInfo[] {
    return this.list.filter((r) => r.yours);
  }

  refresh(): void {
    this.loading = undefined;
    void this.load();
  }

  /** The current list, fetched once per refresh and shared by every caller. */
  load(): Promise<ApprovalRequestInfo[]> {
    this.loading ??= this.session.request(ApprovalRequestsRequest, {}).then(
      (r) => {
        for (const p of r.problems) this.log.warn(`Approval requests: ${p}`);
        this.update(r.requests);
        return r.requests;
      },
      (err: unknown) => {
        this.log.warn(
          `Approval requests are not available: ${String((err as Error)?.message ?? err)}`,
        );
        this.update([]);
        return [];
      },
    );
    return this.loading;
  }

  private update(list: ApprovalRequestInfo[]): void {
    const before = this.seen;
    this.list = list;
    this.seen = new Set(list.map(requestKey));
    const mine = this.yours;
    if (mine.length) {
      this.item.text = `$(shield) ${mine.length}`;
      this.item.accessibilityInformation = {
        label: `${mine.length} approval request${mine.length === 1 ? '' : 's'} waiting for you`,
      };
      this.item.tooltip = `${mine.length} approval request${mine.length === 1 ? '' : 's'} waiting for you:\n${mine.map(requestRoute).join('\n')}`;
      this.item.show();
    } else this.item.hide();
    this.statusBar = { text: mine.length ? this.item.text : '', visible: mine.length > 0 };
    if (before) for (const r of mine.filter((m) => !before.has(requestKey(m)))) void this.notify(r);
    this.changed.fire();
  }

  private async notify(r: ApprovalRequestInfo): Promise<void> {
    const text = `Atmos Deployments: ${displayName(r.requestedBy)} asks you to approve ${requestRoute(r)} (${r.summary}).`;
    this.notices.push(text);
    const choice = await vscode.window.showInformationMessage(text, 'Review', 'Decline');
    if (choice === 'Review')
      await vscode.commands.executeCommand('atmosDeployments.reviewRequest', r);
    if (choice === 'Decline')
      await vscode.commands.executeCommand('atmosDeployments.declineRequest', r);
  }

  dispose(): void {
    this.item.dispose();
    this.changed.dispose();
  }
}
