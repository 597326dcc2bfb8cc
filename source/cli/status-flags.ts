/**
 * The flags of `nightshift status`, in one table: status.ts registers them with commander, and the
 * entry point (index.ts) reads them itself to skip commander on status's hot path.
 */

/** The options of `status`. */
export interface StatusOptions {
  readonly json?: boolean;
  readonly kept?: boolean;
}

/** Each flag `status` takes, with its help text. */
export const STATUS_FLAGS: readonly {
  readonly flag: `--${string}`;
  readonly key: keyof StatusOptions;
  readonly help: string;
}[] = [
  { flag: '--json', key: 'json', help: 'print as JSON' },
  {
    flag: '--kept',
    key: 'kept',
    help: 'measure the disk of kept worktrees now (else the last measure, taken when they changed)',
  },
];

/** The options that `args` spell when every one of them is a flag of the table, else undefined. */
export function statusOptionsOf(args: readonly string[]): StatusOptions | undefined {
  const options: Partial<Record<keyof StatusOptions, boolean>> = {};
  for (const arg of args) {
    const known = STATUS_FLAGS.find(({ flag }) => flag === arg);
    if (!known) return undefined;
    options[known.key] = true;
  }
  return options;
}
