/**
 * Identities for `approval_method: review` tests: real ed25519 keys made by ssh-keygen, one git
 * config file per person (user.email, gpg.format ssh, user.signingkey), and a repository whose
 * committed `.atmos/allowed_signers` lists some of them. Forged approvals are written with
 * plain git, the way someone with push access could.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, git, testEnv, type CliResult } from './helpers';

export interface Person {
  email: string;
  key: string;
  /** The environment this person's git and CLI processes run with. */
  env: NodeJS.ProcessEnv;
}

/**
 * Makes a person with an ssh key and a git config that signs with it (unless `signing` is
 * false). `extraConfig` is appended to that config file.
 */
export function person(name: string, signing = true, extraConfig = ''): Person {
  const dir = mkdtempSync(path.join(tmpdir(), `atmos-${name}-`));
  const key = path.join(dir, 'id_ed25519');
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  if (r.error)
    throw new Error(
      `ssh-keygen is not installed (${r.error.message}): run \`apt-get install -y openssh-client\` or \`node test/vscode/setup.mjs\`, which installs it.`,
    );
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${String(r.stderr)}`);
  const email = `${name}@example.com`;
  const config = path.join(dir, 'gitconfig');
  writeFileSync(
    config,
    `[user]\n\tname = ${name}\n\temail = ${email}\n${signing ? `\tsigningkey = ${key}.pub\n[gpg]\n\tformat = ssh\n` : ''}${extraConfig}`,
  );
  const env = testEnv({
    GIT_CONFIG_GLOBAL: config,
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  });
  return { email, key, env };
}

export function publicKey(p: Person): string {
  return readFileSync(`${p.key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

/** A repository holding `deployments/pay.yaml` and `.atmos/allowed_signers` for `signers`. */
export function reviewRepo(yaml: string, signers: Person[], by: Person): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmos-review-'));
  git(dir, ['init', '-q', '-b', 'main'], by.env);
  mkdirSync(path.join(dir, 'deployments'));
  mkdirSync(path.join(dir, '.atmos'));
  writeFileSync(path.join(dir, 'deployments', 'pay.yaml'), yaml);
  writeFileSync(
    path.join(dir, '.atmos', 'allowed_signers'),
    signers.map((p) => `${p.email} ${publicKey(p)}\n`).join(''),
  );
  git(dir, ['add', '.'], by.env);
  git(dir, ['commit', '-q', '-m', 'init'], by.env);
  return dir;
}

export function run(dir: string, who: Person, args: string[]): CliResult {
  return cli(dir, args, who.env);
}

/**
 * Appends an approval line to the notes of `commits` with plain git, as someone with push
 * access could: unsigned, or in a notes commit signed with `signWith`'s key.
 */
export function forgeApproval(
  dir: string,
  line: Record<string, unknown>,
  commits: string[],
  signWith?: Person,
): void {
  const env = signWith?.env ?? testEnv();
  const ref = 'refs/notes/atmos/pay/approvals';
  const text = JSON.stringify(line);
  if (!signWith) {
    for (const c of commits) git(dir, ['notes', `--ref=${ref}`, 'append', '-m', text, c], env);
    return;
  }
  const scratch = 'refs/notes/forge';
  const before = spawnSync('git', ['rev-parse', '-q', '--verify', ref], {
    cwd: dir,
    env,
    encoding: 'utf8',
  }).stdout.trim();
  if (before) git(dir, ['update-ref', scratch, before], env);
  for (const c of commits) git(dir, ['notes', `--ref=${scratch}`, 'append', '-m', text, c], env);
  const tree = git(dir, ['rev-parse', `${scratch}^{tree}`], env).trim();
  const signed = git(
    dir,
    ['commit-tree', '-S', ...(before ? ['-p', before] : []), '-m', 'approve', tree],
    env,
  ).trim();
  git(dir, ['update-ref', ref, signed], env);
  git(dir, ['update-ref', '-d', scratch], env);
}
