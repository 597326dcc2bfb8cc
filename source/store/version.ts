/**
 * The store's schema version, on its own so that light readers need not load zod.
 * Bump on every incompatible change and add a migration in `migrations.ts`.
 */
export const STATE_VERSION = 2;
