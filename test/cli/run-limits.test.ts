/**
 * `run` flags are held to the limits the config has (issue 9): `--parallel 100000` is refused
 * like `[run] parallel = 100000`, with the range in the message.
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempGitRepo } from '../support/cli.js';

describe('run limits', () => {
  it('rejects --parallel beyond the cap the config enforces', async () => {
    const dir = await tempGitRepo();
    expect((await runCli(['init', '--use', 'sim'], { cwd: dir })).exitCode).toBe(0);
    const run = await runCli(['run', '--no-ui', '--parallel', '100000'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/--parallel must be an integer from 1 to 64, got "100000"/);
  });
});
