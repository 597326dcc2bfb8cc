/**
 * The MCP servers file nightshift writes for one agent run: the common `{"mcpServers": {name:
 * {command, args, env}}}` shape that Claude Code reads as it is (`--mcp-config`). The other backends
 * read the same file and translate it into their CLI's own config (codex config.toml, gemini
 * settings, opencode config), so every CLI-specific format stays in `agents/<name>.ts`.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** How to start one stdio MCP server. */
export interface McpServerSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Server name → how to start it. */
export type McpServers = Readonly<Record<string, McpServerSpec>>;

/** Writes `servers` to `file` in the `mcpServers` shape. */
export async function writeMcpServers(file: string, servers: McpServers): Promise<void> {
  await writeFile(file, `${JSON.stringify({ mcpServers: servers }, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The stdio servers of an MCP servers file; {} when there is no file or it cannot be read (a
 * backend then runs without them rather than failing the attempt). Entries without a command
 * (remote servers) are skipped: only stdio servers are translated.
 */
export async function readMcpServers(file: string | undefined): Promise<McpServers> {
  if (file === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return {};
  }
  const servers = record(record(value)?.['mcpServers']) ?? {};
  const result: Record<string, McpServerSpec> = {};
  for (const [name, raw] of Object.entries(servers)) {
    const entry = record(raw);
    const command = entry?.['command'];
    if (typeof command !== 'string' || command === '') continue;
    const args = Array.isArray(entry?.['args'])
      ? entry['args'].filter((arg): arg is string => typeof arg === 'string')
      : [];
    const env = Object.fromEntries(
      Object.entries(record(entry?.['env']) ?? {}).filter(
        (pair): pair is [string, string] => typeof pair[1] === 'string',
      ),
    );
    result[name] = { command, args, env };
  }
  return result;
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
