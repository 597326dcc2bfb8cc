/**
 * The sandbox canary with the real opencode CLI against its loopback fake model server: see
 * test/support/canary-e2e.ts.
 *
 * opencode ends its session on a refusal of its own (a permission rule, a path outside its
 * directory), so the bypasses it refuses run in tasks of their own and every one is tried.
 */
import { agentCanarySuite, PARSED_BYPASSES } from '../support/canary-e2e.js';

agentCanarySuite(
  'opencode',
  [
    { bypasses: ['cd-rm-rf'] },
    { bypasses: ['git-C-push', 'git-c-alias-push', 'stash-clear', 'update-ref-main', 'project-root-write'] },
    { bypasses: [], writeOutside: true },
    { bypasses: ['rm-r-abs'] },
  ],
  // One at a time: opencode instances starting together in a fresh HOME can fail to start (exit 1).
  // nightshift's policy plugin refuses what its parser reads, before the kernel has to.
  { parallel: 1, byPolicy: PARSED_BYPASSES },
);
