/**
 * The sandbox canary with the real codex CLI against its loopback fake model server: see
 * test/support/canary-e2e.ts.
 */
import { ALL_IN_ONE, agentCanarySuite, PARSED_BYPASSES } from '../support/canary-e2e.js';

// nightshift's hook refuses what its parser reads, before the kernel has to.
agentCanarySuite('codex', ALL_IN_ONE, { byPolicy: PARSED_BYPASSES });
