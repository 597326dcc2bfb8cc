/**
 * A child process for the store's crash test: opens the store at argv[2] and rewrites a large
 * state (argv[3] tasks with long descriptions) as fast as it can, printing `wrote N` after each
 * write, until it is killed.
 */
import { Store } from '../../source/store/store.js';

const root = process.argv[2] ?? '';
const taskCount = Number(process.argv[3] ?? '500');
const filler = 'x'.repeat(4000);

const store = await Store.open(root, { create: true, project: 'crash-test' });
const now = new Date().toISOString();
for (let n = 1; ; n++) {
  store.update((state) => {
    state.tasks = Array.from({ length: taskCount }, (_, i) => ({
      id: `t${i}`,
      title: `task ${i} of round ${n}`,
      description: `${n}:${filler}`,
      priority: 0,
      steps: [],
      dependsOn: [],
      docs: [],
      status: 'pending' as const,
      verification: { pathPatterns: [], commands: [], env: {} },
      completion: { kind: 'boolean' as const },
      execution: { strategy: 'single_pass' as const },
      attempts: [],
      notes: '',
      learning: [],
      createdAt: now,
      updatedAt: now,
    }));
    state.learning = [{ at: now, text: `round ${n}` }];
  });
  await store.flush();
  process.stdout.write(`wrote ${n}\n`);
}
