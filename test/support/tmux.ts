/**
 * Driving a real terminal for end-to-end tests: a private tmux server (its own `-L` socket name, so
 * tests never touch a user's tmux), a shell in a pane of a fixed size, keys, and screen captures.
 *
 *   const tmux = await startTmux({ cwd: dir, width: 120, height: 35, env: { XDG_STATE_HOME: state } });
 *   await tmux.type(`node ${cliPath} run`);
 *   await tmux.waitForText('ready');
 *   await tmux.sendKeys('?');
 *   await tmux.kill();
 *
 * The pane runs `sh` rather than the command itself so that what the command prints after it exits
 * (the "the run goes on" line) stays on screen to be checked. CI is removed from the environment:
 * with any CI variable set, Ink prints only the last frame (DESIGN.md §7).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

/** Options of {@link startTmux}. */
export interface TmuxOptions {
  readonly cwd: string;
  readonly width?: number;
  readonly height?: number;
  /** Variables added to (or, with `undefined`, removed from) the pane's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A window of the private tmux server. */
export interface TmuxWindow {
  /** The tmux target, e.g. `main:0`. */
  readonly target: string;
  /** Sends tmux key names (`Enter`, `Escape`, `Tab`, `C-]`) or literal characters, one argument each. */
  readonly sendKeys: (...keys: string[]) => Promise<void>;
  /** Types a line literally and presses Enter. */
  readonly type: (line: string) => Promise<void>;
  /** The visible screen as text (the alternate screen while a full-screen app runs). */
  readonly capture: () => Promise<string>;
  /** Polls the screen until `match` holds; rejects with the last screen after `timeoutMs`. */
  readonly waitForText: (
    match: string | RegExp | ((screen: string) => boolean),
    timeoutMs?: number,
  ) => Promise<string>;
  /** Changes the window's size (the app sees SIGWINCH). */
  readonly resize: (width: number, height: number) => Promise<void>;
}

/** A private tmux server with one session. */
export interface TmuxSession extends TmuxWindow {
  readonly socketName: string;
  /** Opens another window in the same session, in `cwd`, running a shell. */
  readonly newWindow: (cwd: string) => Promise<TmuxWindow>;
  /** Kills the server and everything running in it; idempotent. */
  readonly kill: () => Promise<void>;
}

const POLL_MS = 100;
const DEFAULT_WAIT_MS = 20_000;

/**
 * Waits for the shell in `window` to read input, so a typed line is not echoed before its prompt.
 * The marker printed is not in the line typed: a line typed before the shell was up is echoed by
 * the terminal first and run after the prompt, so its output may follow the prompt on one line
 * (`# shell-ready`), and the typed line alone must not satisfy the wait.
 */
export async function shellReady(window: TmuxWindow, options: { clear?: boolean } = {}): Promise<void> {
  await window.type(`${options.clear ? 'clear; ' : ''}printf 'shell-%s\\n' ready`);
  await window.waitForText(/shell-ready$/m);
}

/** True when a usable tmux is on the PATH. */
export async function tmuxAvailable(): Promise<boolean> {
  const result = await execa('tmux', ['-V'], { reject: false, stdin: 'ignore' }).catch(() => undefined);
  return result?.exitCode === 0;
}

/** Starts the server with one session whose first window runs a plain shell in `cwd`. */
export async function startTmux(options: TmuxOptions): Promise<TmuxSession> {
  const socketName = `nightshift-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    // A plain prompt so that captures are predictable.
    PS1: '$ ',
    ENV: '',
    TERM: 'xterm-256color',
    ...options.env,
  };
  for (const name of Object.keys(env))
    if (name === 'CI' || name.startsWith('CI_') || name === 'GITHUB_ACTIONS') delete env[name];
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const tmux = async (...args: string[]): Promise<string> => {
    const result = await execa('tmux', ['-L', socketName, '-f', '/dev/null', ...args], {
      env,
      extendEnv: false,
      stdin: 'ignore',
    });
    return typeof result.stdout === 'string' ? result.stdout : '';
  };
  const width = options.width ?? 120;
  const height = options.height ?? 35;
  await tmux(
    'new-session',
    '-d',
    '-s',
    'main',
    '-x',
    String(width),
    '-y',
    String(height),
    '-c',
    options.cwd,
    'sh',
  );
  // Keep the pane when its program exits (so a failure stays visible). New windows take
  // default-size (there is no client to size them); `window-size manual` would be simpler but
  // makes tmux 3.3a crash on new-window.
  await tmux('set-option', '-g', 'remain-on-exit', 'on');
  await tmux('set-option', '-g', 'default-size', `${width}x${height}`);
  await tmux('set-option', '-g', 'history-limit', '5000');
  let killed = false;
  let windows = 1;

  const windowOf = (target: string): TmuxWindow => {
    const capture = (): Promise<string> => tmux('capture-pane', '-p', '-t', target);
    return {
      target,
      sendKeys: async (...keys) => {
        for (const key of keys) await tmux('send-keys', '-t', target, key);
      },
      type: async (line) => {
        await tmux('send-keys', '-t', target, '-l', line);
        await tmux('send-keys', '-t', target, 'Enter');
      },
      capture,
      waitForText: async (match, timeoutMs = DEFAULT_WAIT_MS) => {
        const test =
          typeof match === 'function'
            ? match
            : typeof match === 'string'
              ? (screen: string) => screen.includes(match)
              : (screen: string) => match.test(screen);
        const deadline = Date.now() + timeoutMs;
        let screen = '';
        for (;;) {
          screen = await capture();
          if (test(screen)) return screen;
          if (Date.now() > deadline) {
            throw new Error(
              `timed out after ${timeoutMs} ms waiting for ${String(match)} in tmux ${target}; the screen:\n${screen}`,
            );
          }
          await sleep(POLL_MS);
        }
      },
      resize: async (w, h) => {
        await tmux('resize-window', '-t', target, '-x', String(w), '-y', String(h));
      },
    };
  };

  return {
    socketName,
    ...windowOf('main:0'),
    newWindow: async (cwd) => {
      const index = windows++;
      await tmux('new-window', '-t', `main:${index}`, '-c', cwd, 'sh');
      return windowOf(`main:${index}`);
    },
    kill: async () => {
      if (killed) return;
      killed = true;
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
