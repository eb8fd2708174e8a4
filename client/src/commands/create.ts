/**
 * Create a Deployment File: the first step of the walkthrough and of the empty Promotions view.
 * It asks for the deployment's name (it used to write `my-service.yaml` without asking, and the
 * name then had to be changed in two places), writes a dev → staging → prod file under
 * `deployments/` and opens it. It writes no git, so it works in Restricted Mode.
 */
import * as vscode from 'vscode';

/** The longest name the rules accept (core `nameProblem`), so the box refuses what they would. */
const MAX_NAME_LENGTH = 128;

/**
 * Why a typed name cannot be a deployment name, or undefined when it can. A subset of the core's
 * `invalid-name` rule, which the client does not bundle (it carries a Unicode table): what this
 * lets through that the rule refuses is still reported in the new file as a problem.
 */
export function deploymentNameProblem(name: string): string | undefined {
  if (name === '') return 'Type a name, such as payment-service.';
  if (name.length > MAX_NAME_LENGTH) return `A name has at most ${MAX_NAME_LENGTH} characters.`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    return "Use ASCII letters, digits, '-', '_' and '.', starting with a letter or digit: the name becomes part of git refs.";
  if (name.endsWith('.') || name.endsWith('.lock') || name.includes('..'))
    return "A name cannot end with '.' or '.lock', or contain '..': git refs cannot hold them.";
  return undefined;
}

/** The folder's name made into a valid deployment name, as the box's suggestion. */
export function suggestedName(folderName: string): string {
  const cleaned = folderName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .replace(/\.{2,}/g, '.');
  return deploymentNameProblem(cleaned) ? 'my-service' : cleaned;
}

export function template(name: string): string {
  return `# A deployment: targets and how changes are promoted between them.
# Next: commit this file (rollouts follow the committed rules), then use the
# "Roll out HEAD … to dev" lens above dev, and promote from there.
deployment:
  name: ${name}

  components:
    terraform:
      app: {}

  targets:
    dev:
      # No promotion config: an entry point that takes any commit.
      labels:
        environment: dev

    staging:
      promotion:
        from: dev

    prod:
      promotion:
        from: staging
        requires_approval: true
`;
}

/**
 * Asks for a name (unless given one, as the tests do), refuses one whose file exists, writes
 * the file and opens it. Resolves to the new file, or undefined when cancelled.
 */
export async function createDeploymentFile(
  args?: Record<string, unknown>,
): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showInformationMessage('Open a folder first to create a deployment file.');
    return undefined;
  }
  const fileOf = (name: string) => vscode.Uri.joinPath(folder.uri, 'deployments', `${name}.yaml`);
  let name = typeof args?.name === 'string' ? args.name : undefined;
  if (name === undefined) {
    name = await vscode.window.showInputBox({
      title: 'Create a Deployment File',
      // Opening the file or the walkthrough's re-render can move focus; the name typed so far
      // must not be lost to that.
      ignoreFocusOut: true,
      prompt:
        'Name of the deployment (usually the service it deploys). The file is deployments/<name>.yaml.',
      value: suggestedName(folder.name),
      validateInput: async (value) =>
        deploymentNameProblem(value) ??
        ((await exists(fileOf(value))) ? `deployments/${value}.yaml exists already.` : undefined),
    });
    if (name === undefined) return undefined;
  }
  const problem = deploymentNameProblem(name);
  if (problem) {
    void vscode.window.showErrorMessage(`Atmos Deployments: '${name}': ${problem}`);
    return undefined;
  }
  const uri = fileOf(name);
  if (await exists(uri)) {
    // Never overwrite: open what is there instead.
    await vscode.window.showTextDocument(uri);
    return uri;
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(template(name)));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  return uri;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
