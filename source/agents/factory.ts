/**
 * The one place that maps a backend name to its implementation (STYLE.md convention 3).
 */
import { UserError } from '../errors.js';
import type { BackendName } from '../config/schema.js';
import type { Backend } from './backend.js';
import { claudeBackend } from './claude.js';
import { codexBackend } from './codex.js';
import { geminiBackend } from './gemini.js';
import { opencodeBackend } from './opencode.js';
import { simBackend } from './sim.js';

/** The backend called `name`. */
export function createBackend(name: BackendName): Backend {
  switch (name) {
    case 'claude':
      return claudeBackend;
    case 'codex':
      return codexBackend;
    case 'gemini':
      return geminiBackend;
    case 'opencode':
      return opencodeBackend;
    case 'sim':
      return simBackend;
    default: {
      // Reachable only through an unchecked cast (a config that skipped validation).
      const unknown: never = name;
      throw new UserError(`Unknown backend "${String(unknown)}"`, {
        hint: 'Use one of claude, codex, gemini, opencode, sim.',
      });
    }
  }
}
