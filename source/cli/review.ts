/**
 * `nightshift review` (placeholder while the review loop is built).
 */
import type { Command } from 'commander';

/** Registers `review`. */
export function registerReview(program: Command): void {
  program.command('review').description("quality scores of recent attempts and the review agent's findings");
}
