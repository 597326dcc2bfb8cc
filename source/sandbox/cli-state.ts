/**
 * Where each agent CLI keeps its state (logins, sessions, settings): bound writable inside the
 * sandbox (bwrap.ts) so logins keep working.
 */
import path from 'node:path';

/**
 * Each agent CLI's state folders, by the CLI program's name, honouring the XDG variables it reads.
 * The folders of the CLI being run are created when missing: a CLI's first run must be able to make
 * them (opencode exited 1 with EROFS on `~/.local` from a fresh HOME).
 */
export function cliStateFolders(
  command: string,
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const xdg = (name: string, fallback: string): string => {
    const value = env[name];
    return value && path.isAbsolute(value) ? value : path.join(home, fallback);
  };
  switch (path.basename(command)) {
    case 'opencode':
      return ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME'].map((name, index) =>
        path.join(xdg(name, ['.local/share', '.config', '.local/state', '.cache'][index] ?? ''), 'opencode'),
      );
    case 'codex':
      return [
        env['CODEX_HOME'] && path.isAbsolute(env['CODEX_HOME'])
          ? env['CODEX_HOME']
          : path.join(home, '.codex'),
      ];
    case 'gemini':
      return [path.join(env['GEMINI_CLI_HOME'] || home, '.gemini')];
    case 'claude':
      return [
        env['CLAUDE_CONFIG_DIR'] && path.isAbsolute(env['CLAUDE_CONFIG_DIR'])
          ? env['CLAUDE_CONFIG_DIR']
          : path.join(home, '.claude'),
      ];
    default:
      return [];
  }
}
