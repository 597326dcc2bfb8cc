/**
 * Reflection after a failed attempt (DESIGN.md §5): the reflect prompt asks an agent what went wrong;
 * it may refine only steps, notes and verification (adding checks, never removing), and its lesson
 * goes into the task's learning and the project's journal, to be fed into the next prompt. When the
 * agent gives nothing usable, the lesson is the failure itself, so the next attempt still sees it.
 */
import type { AgentResult } from '../agents/agent-process.js';
import type { AttemptResult, AttemptScope } from './types.js';
import { runReflectAgent } from './reflect-agent.js';
import { appendTaskLearning } from '../tasks/learning.js';
import { lastJsonAnswer } from './json-answer.js';

/** What the reflect template asks the agent to answer with (templates/prompts/reflect.md). */
export interface Reflection {
  readonly lesson: string;
  readonly steps: string[] | null;
  readonly notes: string | null;
  readonly addCommands: string[];
}

/** Parses the last JSON object in an agent's final message into a Reflection, or undefined. */
export function parseReflection(text: string): Reflection | undefined {
  return lastJsonAnswer(text, (record) => {
    const lesson = record['lesson'];
    if (typeof lesson !== 'string' || lesson.trim() === '') return undefined;
    const steps =
      Array.isArray(record['steps']) && record['steps'].every((s) => typeof s === 'string' && s.trim())
        ? (record['steps'] as string[])
        : null;
    const notes = typeof record['notes'] === 'string' ? record['notes'] : null;
    const verification = record['verification'] as { add_commands?: unknown } | null | undefined;
    const add =
      verification && Array.isArray(verification.add_commands)
        ? verification.add_commands.filter((c): c is string => typeof c === 'string' && c.trim() !== '')
        : [];
    return {
      lesson: lesson.trim(),
      steps: steps && steps.length > 0 ? steps : null,
      notes,
      addCommands: add,
    };
  });
}

/** Runs reflection for a failed attempt, applies what is allowed, and returns the lesson. */
export async function reflectOnFailure(
  scope: AttemptScope,
  failed: AttemptResult,
  gateOutput: string,
): Promise<string> {
  const { context } = scope;
  const { handle, task } = context;
  const agent: AgentResult | undefined = await runReflectAgent(scope, failed, gateOutput);
  const parsed = agent ? parseReflection(agent.finalText) : undefined;
  const lesson = parsed?.lesson ?? `attempt ${context.attempt} ${failed.outcome}: ${failed.summary}`;
  handle.updateTask((t) => {
    t.learning = appendTaskLearning(t.learning, lesson);
    if (!parsed) return;
    if (parsed.steps) t.steps = parsed.steps;
    if (parsed.notes !== null) t.notes = parsed.notes;
    for (const command of parsed.addCommands)
      if (!t.verification.commands.includes(command)) t.verification.commands.push(command);
  });
  handle.addLearning(lesson);
  const changed = parsed
    ? [
        parsed.steps && 'steps',
        parsed.notes !== null && 'notes',
        parsed.addCommands.length > 0 && 'verification',
      ].filter(Boolean)
    : [];
  handle.line(
    'info',
    `${task.id}: reflection: ${lesson}${changed.length > 0 ? ` (refined ${changed.join(', ')})` : ''}`,
  );
  return lesson;
}
