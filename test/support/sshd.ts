/**
 * A real OpenSSH server on 127.0.0.1 for end-to-end tests of `attach --ssh`: Debian's sshd with a
 * throwaway host key, a throwaway user key, and a config written into a temp folder. Nothing of
 * the machine's own ssh setup is read or changed, apart from installing openssh-server when it is
 * missing and we are root with apt (as .ci/run does).
 *
 *   const sshd = await startSshd(dir);          // or { skip: 'why' }
 *   if ('skip' in sshd) return ctx.skip();
 *   spawn('ssh', [...sshd.clientArgs, '127.0.0.1', 'echo hi']);
 *   await sshd.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

/** The sshd binary of Debian's openssh-server. */
export const SSHD = '/usr/sbin/sshd';

/** A running sshd. */
export interface Sshd {
  readonly port: number;
  /** ssh options that reach it with the throwaway key and no host-key prompts (before the destination). */
  readonly clientArgs: readonly string[];
  /** The server's log (`-E`), for failure messages. */
  readonly log: () => Promise<string>;
  readonly stop: () => Promise<void>;
}

/** Installs openssh-server when missing and allowed; resolves a reason to skip when it cannot. */
export async function ensureSshd(): Promise<string | undefined> {
  const haveClient =
    (await execa('ssh', ['-V'], { reject: false, stdin: 'ignore' }).catch(() => undefined))?.exitCode === 0;
  if (existsSync(SSHD) && haveClient) return undefined;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = (await execa('sh', ['-c', 'command -v apt-get'], { reject: false })).exitCode === 0;
  if (!root || !apt)
    return `${SSHD} or ssh is missing and this is not root with apt-get: install openssh-server and openssh-client to run this test`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): Promise<{ exitCode?: number }> =>
    execa('apt-get', ['install', '-y', '-qq', 'openssh-server', 'openssh-client'], {
      env,
      reject: false,
      stdin: 'ignore',
    });
  if ((await install()).exitCode !== 0) {
    await execa('apt-get', ['update', '-qq'], { env, reject: false, stdin: 'ignore' });
    const second = await install();
    if (second.exitCode !== 0) return 'apt-get install openssh-server failed';
  }
  return existsSync(SSHD) ? undefined : `${SSHD} is still missing after installing openssh-server`;
}

/** Starts sshd in `dir` (keys, config, log, pid file all there); or says why it cannot. */
export async function startSshd(dir: string): Promise<Sshd | { readonly skip: string }> {
  const missing = await ensureSshd();
  if (missing) return { skip: missing };
  await mkdir(dir, { recursive: true });
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'user_ed25519');
  const keygen = (file: string): Promise<unknown> =>
    execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nightshift-test', '-f', file], {
      stdin: 'ignore',
    });
  await keygen(hostKey);
  await keygen(userKey);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${userKey}.pub`, 'utf8'), { mode: 0o600 });
  // sshd refuses to start without its privilege-separation directory (normally made by systemd).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);

  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  const logFile = path.join(dir, 'sshd.log');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      // The tests run as root in CI containers; keys only, never passwords.
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      // The temp folder's permissions are not what StrictModes wants for a home's key files.
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const child = spawn(SSHD, ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');
  const ready = await waitForPort(port, 10_000, exited);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`sshd did not listen on 127.0.0.1:${port}; its log:\n${await log()}`);
  }
  const clientArgs = [
    '-F',
    '/dev/null',
    '-i',
    userKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(port),
  ];
  return { port, clientArgs, log, stop: () => stop(child, exited) };
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A port nobody listens on right now (the kernel picks it; a race with another process is unlikely). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until something accepts connections on the port; false when the server exited or time ran out. */
async function waitForPort(
  port: number,
  timeoutMs: number,
  exited: Promise<number | null>,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await sleep(50);
  }
  return false;
}
