/**
 * The one place that maps a backend name to its implementation (STYLE.md convention 3).
 */
import { UserError } from '../errors.js';
import type { BackendName } from '../config/schema.js';
import type { Backend } from './backend.js';
import { simBackend } from './sim.js';

/** The backend called `name`. */
export function createBackend(name: BackendName): Backend {
  switch (name) {
    case 'sim':
      return simBackend;
    case 'claude':
    case 'codex':
    case 'gemini':
    case 'opencode':
      throw new UserError(`The ${name} backend is not available in this build`, { hint: 'Use --backend sim.' });
    default: {
      const unknown: never = name;
      throw new UserError(`Unknown backend "${String(unknown)}"`, { hint: 'Use one of claude, codex, gemini, opencode, sim.' });
    }
  }
}
