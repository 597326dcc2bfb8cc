/**
 * Semantic colour tokens for the board. Components never name a colour: they ask for what a thing
 * is (a done task, dim text, the focused pane) so NO_COLOR and any later palette change stay here.
 */
import { createContext, useContext } from 'react';
import type { TaskStatus } from '../tasks/model.js';
import type { AgentState, EventLine } from '../protocol/types.js';

/** A colour Ink understands, or undefined for "the terminal's default" (always under NO_COLOR). */
export type Colour = string | undefined;

/** Every colour the board uses, by meaning. */
export interface Theme {
  readonly accent: Colour;
  readonly focus: Colour;
  readonly border: Colour;
  readonly text: { readonly primary: Colour; readonly dim: Colour; readonly key: Colour };
  readonly status: Readonly<Record<TaskStatus | 'waiting', Colour>>;
  readonly agent: Readonly<Record<AgentState, Colour>>;
  readonly level: Readonly<Record<EventLine['level'], Colour>>;
  readonly notice: { readonly info: Colour; readonly error: Colour; readonly warn: Colour };
  readonly progress: { readonly filled: Colour; readonly empty: Colour };
  readonly simulated: Colour;
}

const COLOURED: Theme = {
  accent: 'cyan',
  focus: 'cyan',
  border: 'gray',
  text: { primary: undefined, dim: 'gray', key: 'yellow' },
  status: {
    pending: undefined,
    waiting: 'gray',
    running: 'cyan',
    verifying: 'magenta',
    done: 'green',
    blocked: 'red',
  },
  agent: {
    starting: 'gray',
    thinking: 'cyan',
    tool: 'blue',
    testing: 'magenta',
    'waiting-input': 'yellow',
    idle: 'gray',
    stalled: 'red',
    exited: 'gray',
  },
  level: { info: undefined, warn: 'yellow', error: 'red', success: 'green' },
  notice: { info: 'cyan', error: 'red', warn: 'yellow' },
  progress: { filled: 'green', empty: 'gray' },
  simulated: 'magenta',
};

/** The same shape with every token undefined: Ink then emits no colour codes at all. */
function colourless<T>(value: T): T {
  if (typeof value === 'string') return undefined as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, colourless(inner as unknown)]),
    ) as T;
  }
  return value;
}

const PLAIN: Theme = colourless(COLOURED);

/** True when the environment asks for no colour (https://no-color.org: set, whatever the value). */
export function noColorRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['NO_COLOR'] !== undefined;
}

/** The theme for a colour setting. */
export function createTheme(noColor: boolean): Theme {
  return noColor ? PLAIN : COLOURED;
}

/** Provides the theme to the board's components. */
export const ThemeContext = createContext<Theme>(COLOURED);

/** The current theme. */
export function useTheme(): Theme {
  return useContext(ThemeContext);
}
