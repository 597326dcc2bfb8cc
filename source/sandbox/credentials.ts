/**
 * What git (and gh, ssh) could authenticate with, hidden inside the sandbox (DESIGN.md §8): with
 * the network on, a push over https or ssh to a real remote is stopped by nothing else once the
 * policy is got round. So the sandbox takes away every way to a credential the user left lying
 * about: the credential files and folders (hidden), the credential-cache daemon's socket folder,
 * the ssh agent's socket (unset and covered), the token and askpass variables (unset), and the
 * credential helpers of the user's git config — an empty `credential.helper` given last through
 * GIT_CONFIG_* clears every helper configured before it (git reads helpers from all files and
 * URL sections in order, and an empty value resets the list), and `core.askPass`. GIT_TERMINAL_PROMPT=0: git must not
 * wait on a password prompt in an agent's terminal all night.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** Folders of the user's credentials under HOME: hidden (an empty tmpfs) inside the sandbox. */
export const SECRET_DIRS = [
  '.ssh',
  '.aws',
  '.config/gcloud',
  '.gnupg',
  '.config/gh',
  '.config/hub',
  '.config/glab-cli',
  '.docker',
  '.kube',
  '.password-store',
  // git-credential-manager's plaintext store and git's credential-cache daemon socket.
  '.gcm',
  '.cache/git/credential',
];

/** Credential files under HOME: replaced by an empty file inside the sandbox. */
export const SECRET_FILES = ['.netrc', '.git-credentials', '.config/git/credentials', '.pgpass'];

/** Variables that hand out a credential or a way to one: unset inside the sandbox. */
export const SECRET_ENV = [
  'SSH_AUTH_SOCK',
  'SSH_ASKPASS',
  'GIT_ASKPASS',
  'GH_TOKEN',
  'GITHUB_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'GITHUB_ENTERPRISE_TOKEN',
  'GITLAB_TOKEN',
  'GLAB_TOKEN',
];

/** The credential folders and files of `home`, and those XDG_CONFIG_HOME / XDG_CACHE_HOME move. */
function secretPaths(home: string, env: NodeJS.ProcessEnv): { dirs: string[]; files: string[] } {
  const dirs = SECRET_DIRS.map((dir) => path.join(home, dir));
  const files = SECRET_FILES.map((file) => path.join(home, file));
  const config = env['XDG_CONFIG_HOME'];
  if (config) {
    dirs.push(path.join(config, 'gh'), path.join(config, 'gcloud'));
    files.push(path.join(config, 'git', 'credentials'));
  }
  if (env['XDG_CACHE_HOME']) dirs.push(path.join(env['XDG_CACHE_HOME'], 'git', 'credential'));
  return { dirs, files };
}

/**
 * The bwrap arguments that hide the credentials: tmpfs over the folders, /dev/null over the files
 * and the ssh agent's socket, `--unsetenv` for the variables. They go after every writable bind,
 * so no writable folder above them (`~/.cache`) shows them again.
 */
export function credentialArgs(home: string, env: NodeJS.ProcessEnv): string[] {
  const args: string[] = [];
  const { dirs, files } = secretPaths(home, env);
  for (const dir of dirs) if (existsSync(dir)) args.push('--tmpfs', dir);
  for (const file of files) if (existsSync(file)) args.push('--ro-bind', '/dev/null', file);
  // The variable is unset, but the socket stays where it was (often /run/user/UID/…, outside the
  // private /tmp): cover it, so a process that knows the path cannot talk to the agent either.
  const agent = env['SSH_AUTH_SOCK'];
  if (agent && path.isAbsolute(agent) && isSocket(agent)) args.push('--ro-bind', '/dev/null', agent);
  for (const name of SECRET_ENV) args.push('--unsetenv', name);
  return args;
}

function isSocket(file: string): boolean {
  try {
    return statSync(file).isSocket();
  } catch {
    return false;
  }
}

/** Git config cleared inside the sandbox: every credential helper, and an askpass program. */
const CLEARED_CONFIG = ['credential.helper', 'core.askPass'];

/**
 * The env additions that clear the user's credential helpers and askpass: more GIT_CONFIG_*
 * entries after any the user set themselves (GIT_CONFIG_COUNT), each set to the empty string.
 */
export function credentialEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const count = Number.parseInt(env['GIT_CONFIG_COUNT'] ?? '0', 10);
  const first = Number.isInteger(count) && count > 0 ? count : 0;
  const added: Record<string, string> = {
    GIT_CONFIG_COUNT: String(first + CLEARED_CONFIG.length),
    GIT_TERMINAL_PROMPT: '0',
  };
  CLEARED_CONFIG.forEach((key, offset) => {
    added[`GIT_CONFIG_KEY_${first + offset}`] = key;
    added[`GIT_CONFIG_VALUE_${first + offset}`] = '';
  });
  return added;
}
