// Makes the CLI entry executable after tsc (npm link and direct runs need the bit).
import { chmodSync, existsSync } from 'node:fs';

for (const file of ['dist/cli/index.js', 'dist/agents/sim-agent.js']) {
  if (existsSync(file)) chmodSync(file, 0o755);
}
