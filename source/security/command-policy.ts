/**
 * The command policy of a run (DESIGN.md §8), as the security rules evaluate it and as each
 * backend hands it to its CLI's own mechanism.
 */

/** The command policy handed to each CLI's own mechanism. */
export interface CommandPolicy {
  readonly mode: 'blocklist' | 'allowlist';
  /** Command patterns denied (blocklist mode): defaults plus the project's `blocked_commands`. */
  readonly blocked: readonly string[];
  /** Command patterns allowed (allowlist mode). */
  readonly allowed: readonly string[];
}
