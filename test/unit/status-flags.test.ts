/**
 * `status` skips commander only when every argument is one of its flags (cli/status-flags.ts); any
 * other argument (--help, a typo) goes through commander, which answers it.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerStatus } from '../../source/cli/status.js';
import { STATUS_FLAGS, statusOptionsOf } from '../../source/cli/status-flags.js';

describe('status flags', () => {
  it('reads the flags of the table into options', () => {
    expect(statusOptionsOf([])).toEqual({});
    expect(statusOptionsOf(['--json'])).toEqual({ json: true });
    expect(statusOptionsOf(['--kept', '--json'])).toEqual({ json: true, kept: true });
  });

  it('leaves anything else to commander', () => {
    expect(statusOptionsOf(['--help'])).toBeUndefined();
    expect(statusOptionsOf(['--json', '--jsno'])).toBeUndefined();
    expect(statusOptionsOf(['json'])).toBeUndefined();
  });

  it('are the flags commander registers for status', () => {
    const program = new Command();
    registerStatus(program);
    const status = program.commands.find((command) => command.name() === 'status');
    expect(status?.options.map((option) => option.long)).toEqual(STATUS_FLAGS.map(({ flag }) => flag));
  });
});
