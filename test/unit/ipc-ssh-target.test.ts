import { describe, expect, it } from 'vitest';
import { parseSshTarget, quoteRemotePath, remoteCommandLine, sshArgv } from '../../source/ipc/ssh.js';
import { shellQuote } from '../../source/text.js';

describe('parseSshTarget', () => {
  it.each([
    ['box:~/my-repo', { destination: 'box', path: '~/my-repo' }],
    ['me@box:/srv/app', { destination: 'me@box', path: '/srv/app' }],
    ['me@box:/srv/a@b:c', { destination: 'me@box', path: '/srv/a@b:c' }],
    ['[::1]:repo', { destination: '::1', path: 'repo' }],
    ['me@[fe80::1]:repo', { destination: 'me@fe80::1', path: 'repo' }],
    ['ssh://me@box:2222/~/my-repo', { destination: 'me@box', port: '2222', path: '~/my-repo' }],
    ['ssh://box/srv/my%20repo', { destination: 'box', path: '/srv/my repo' }],
  ])('reads %s', (target, expected) => {
    expect(parseSshTarget(target)).toEqual(expected);
  });

  it.each([
    ['box', /no ":" between the host/],
    ['box:', /no project path/],
    ['ssh://box', /no project path/],
    ['-oProxyCommand=evil:path', /bad host name/],
    [':path', /bad host name/],
  ])('refuses %s', (target, message) => {
    expect(() => parseSshTarget(target)).toThrow(message);
  });
});

describe('remote command quoting', () => {
  it('quotes words the shell would split or expand', () => {
    expect(shellQuote('/plain/path-1.x')).toBe('/plain/path-1.x');
    expect(shellQuote('it has spaces')).toBe(`'it has spaces'`);
    expect(shellQuote(`it's $HOME`)).toBe(`'it'\\''s $HOME'`);
  });

  it('keeps a leading tilde expandable', () => {
    expect(quoteRemotePath('~')).toBe('~');
    expect(quoteRemotePath('~/')).toBe('~/');
    expect(quoteRemotePath('~/my repo')).toBe(`~/'my repo'`);
    expect(quoteRemotePath('~bob/src')).toBe('~bob/src');
    expect(quoteRemotePath('/a/$(rm -rf)')).toBe(`'/a/$(rm -rf)'`);
  });

  it('builds the remote command line and the ssh argv', () => {
    expect(remoteCommandLine('~/x y')).toBe(`nightshift attach --stdio ~/'x y'`);
    expect(remoteCommandLine('/r', 'node /opt/ns/cli.js')).toBe('node /opt/ns/cli.js attach --stdio /r');
    const argv = sshArgv(
      { destination: 'me@box', port: '2222', path: '~/r' },
      { sshArgs: ['-i', 'key'], remoteCommand: 'ns' },
    );
    expect(argv).toEqual([
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'ServerAliveInterval=15',
      '-p',
      '2222',
      '-i',
      'key',
      '--',
      'me@box',
      'ns attach --stdio ~/r',
    ]);
  });

  it('takes the remote program from NIGHTSHIFT_REMOTE_COMMAND when no option says otherwise', () => {
    const saved = process.env['NIGHTSHIFT_REMOTE_COMMAND'];
    process.env['NIGHTSHIFT_REMOTE_COMMAND'] = 'node ~/ns/dist/cli/index.js';
    try {
      expect(sshArgv({ destination: 'box', path: '/r' }, {}).at(-1)).toBe(
        'node ~/ns/dist/cli/index.js attach --stdio /r',
      );
      expect(sshArgv({ destination: 'box', path: '/r' }, { remoteCommand: 'ns' }).at(-1)).toBe(
        'ns attach --stdio /r',
      );
    } finally {
      if (saved === undefined) delete process.env['NIGHTSHIFT_REMOTE_COMMAND'];
      else process.env['NIGHTSHIFT_REMOTE_COMMAND'] = saved;
    }
  });
});
