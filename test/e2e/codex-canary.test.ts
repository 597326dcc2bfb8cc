/**
 * The sandbox canary with the real codex CLI against its loopback fake model server: see
 * test/support/canary-e2e.ts.
 */
import { agentCanarySuite } from '../support/canary-e2e.js';

agentCanarySuite('codex');
