/**
 * Retire a recorded component (the quick fix of `recorded-component-conflict`): after a rename
 * such as `ecs` to `ecs/api`, git cannot record the new name beside the old refs. The modal says
 * what is deleted and what stays; the server does the one transaction (`atmosDeployments/retire`).
 */
import * as vscode from 'vscode';
import { displayName } from '../../../server/src/core/display';
import { RetireRequest, type RetireResult } from '../../../server/src/protocol/requests';
import { errorText } from '../log';
import type { CommandContext } from './context';

export async function retireComponent(
  ctx: CommandContext,
  args?: Record<string, unknown>,
): Promise<RetireResult | undefined> {
  const deployment = typeof args?.deployment === 'string' ? args.deployment : undefined;
  const component = typeof args?.component === 'string' ? args.component : undefined;
  if (!deployment || !component) {
    void vscode.window.showInformationMessage(
      'Atmos Deployments: Retire Component runs from the quick fix of a recorded-component-conflict warning, which names the component.',
    );
    return undefined;
  }
  const targets = Array.isArray(args?.targets)
    ? args.targets.filter((t): t is string => typeof t === 'string')
    : [];
  const where = targets.length ? ` in ${targets.map(displayName).join(', ')}` : '';
  const choice = await vscode.window.showWarningMessage(
    `Retire the recorded component '${displayName(component)}' of ${displayName(deployment)}?`,
    {
      modal: true,
      detail: `Its deployment refs${where} are deleted and it leaves the status index, in one git transaction (pushed to the remote when one is set). Its tags stay, so its history remains. The deployment file no longer declares it.`,
    },
    'Retire',
  );
  if (choice !== 'Retire') return undefined;
  try {
    const done = await ctx.session.request(RetireRequest, { deployment, component });
    void vscode.window.showInformationMessage(`Atmos Deployments: ${done.message}`);
    ctx.refresh();
    return done;
  } catch (err) {
    void vscode.window.showErrorMessage(`Atmos Deployments: ${errorText(err)}`);
    return undefined;
  }
}
