/**
 * One line per agent event for the board's log pane and `run -v`, plus the agent's current action.
 */
import type { AgentEvent } from '../agents/backend.js';
import { assertNever } from '../errors.js';

/** A printable line and, when the event changes what the agent is doing, its new action. */
export interface EventSummary {
  readonly text: string;
  readonly action?: string;
}

const MAX = 240;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX ? `${flat.slice(0, MAX - 1)}…` : flat;
}

/** Summarises an event, or undefined for events not worth a line (usage). */
export function summariseEvent(event: AgentEvent): EventSummary | undefined {
  switch (event.type) {
    case 'init':
      return { text: `session started${event.model ? ` (${event.model})` : ''}`, action: 'starting' };
    case 'text':
      return event.text.trim() ? { text: clip(event.text), action: 'thinking' } : undefined;
    case 'tool-call': {
      // The real backends already summarise input as `Name: argument`; the sim gives the bare argument.
      const label = event.input.startsWith(`${event.name}:`) ? event.input : `${event.name}: ${event.input}`;
      return { text: `▸ ${clip(label)}`, action: clip(label) };
    }
    case 'tool-result':
      return {
        text: `  ${event.isError ? '✗' : '↳'} ${clip(event.text) || (event.isError ? 'error' : 'ok')}`,
      };
    case 'usage':
      return undefined;
    case 'result':
      return {
        text: `${event.ok ? 'finished' : 'failed'}: ${clip(event.text)}`,
        action: event.ok ? 'finished' : 'failed',
      };
    case 'denied':
      return {
        text: `denied: ${clip(event.command)} — ${clip(event.reason)}`,
        action: `denied: ${clip(event.command)}`,
      };
    case 'error':
      return { text: `${event.warning ? 'warning' : 'error'}: ${clip(event.message)}` };
    default:
      return assertNever(event);
  }
}
