/**
 * The engine with the real codex CLI against its loopback fake model server: see test/support/agent-e2e.ts.
 */
import { agentEngineSuite } from '../support/agent-e2e.js';

agentEngineSuite('codex');
