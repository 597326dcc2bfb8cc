/**
 * A scripted planner for the fake Anthropic server: it reads where the spec goes from nightshift's
 * plan prompt (`# 1. The spec: \`docs/specs/….md\``), writes the spec and `.nightshift/plan.json`
 * with claude's Write tool, and ends with a summary, as templates/prompts/plan.md asks.
 */
import path from 'node:path';
import type { Scenario } from './fake-anthropic.js';
import {
  lastToolResults,
  promptText,
  steps,
  text,
  tool,
  workingDirectory,
} from './fake-anthropic-scenarios.js';

/** What the scripted planner writes. */
export interface PlannedWrites {
  readonly spec: string;
  /** The plan file's JSON value. */
  readonly plan: unknown;
}

/** The spec path nightshift's plan prompt names. */
export function specPathFromPrompt(prompt: string): string | undefined {
  return /# 1\. The spec: `([^`]+)`/.exec(prompt)?.[1];
}

/** Writes the spec, then the plan, then summarizes what the tools answered. */
export function writesPlan(writes: PlannedWrites): Scenario {
  const absolute = (cwd: string | undefined, file: string): string =>
    cwd === undefined ? file : path.join(cwd, file);
  return steps([
    (r) => {
      const spec = specPathFromPrompt(promptText(r)) ?? 'docs/specs/spec.md';
      return tool(
        'Write',
        { file_path: absolute(workingDirectory(r), spec), content: writes.spec },
        `Writing the spec to ${spec}.`,
      );
    },
    (r) =>
      tool(
        'Write',
        {
          file_path: absolute(workingDirectory(r), '.nightshift/plan.json'),
          content: `${JSON.stringify(writes.plan, null, 2)}\n`,
        },
        'Writing the plan.',
      ),
    (r) =>
      text(
        `Planned 1 epic and ${(writes.plan as { tasks?: unknown[] }).tasks?.length ?? 0} tasks. ${lastToolResults(
          r,
        )
          .map((t) => t.text)
          .join(' ')
          .slice(0, 200)}`,
      ),
  ]);
}
