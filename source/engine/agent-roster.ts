/**
 * The agents a run shows: their views, their live controls, and the batching of what they say.
 * Agent output and agent-state changes reach clients at most every AGENT_FLUSH_MS, batched per
 * agent: 8 agents printing 1,000 lines/s would otherwise be 16,000 messages a second for every
 * board (DESIGN.md §7: batching engine updates, not maxFps, is what cuts the board's CPU).
 */
import type { AgentView, EngineEvent } from '../protocol/types.js';
import type { AgentSink, LiveAgentControl } from '../attempt/types.js';
import { agentName } from './agent-names.js';

/** How often batched agent updates go out. */
export const AGENT_FLUSH_MS = 100;
/** Output lines per agent per flush; the board keeps 500 per agent, the log file keeps all. */
export const OUTPUT_LINES_PER_FLUSH = 200;
/** Output lines per live agent kept for snapshots (a board that attaches mid-run sees them). */
export const OUTPUT_LINES_KEPT = 200;

/** Live agents and their pending updates. */
export class AgentRoster implements AgentSink {
  readonly #emit: (event: EngineEvent) => void;
  readonly #agents = new Map<string, { view: AgentView; control: LiveAgentControl | undefined }>();
  readonly #pendingOutput = new Map<string, string[]>();
  readonly #pendingViews = new Set<string>();
  readonly #kept = new Map<string, string[]>();
  #flushTimer: NodeJS.Timeout | undefined;
  #count = 0;

  constructor(emit: (event: EngineEvent) => void) {
    this.#emit = emit;
  }

  /** Views of every live agent, for snapshots. */
  views(): AgentView[] {
    return [...this.#agents.values()].map((agent) => agent.view);
  }

  /** Each live agent's newest output lines, for snapshots. */
  recentOutput(): Record<string, readonly string[]> {
    const out: Record<string, readonly string[]> = {};
    for (const [id, lines] of this.#kept) out[id] = lines.slice(-OUTPUT_LINES_KEPT);
    return out;
  }

  /** An agent's newest output lines (what a client that starts watching it gets first), after
   * sending every pending line: lines queued before this answer must not follow it. */
  lines(id: string): readonly string[] {
    this.flush();
    return (this.#kept.get(id) ?? []).slice(-OUTPUT_LINES_KEPT);
  }

  /** The control of a live agent (attach, stop, resize), if it has one. */
  control(id: string): LiveAgentControl | undefined {
    return this.#agents.get(id)?.control;
  }

  /** Every live agent's control (to stop them all). */
  controls(): LiveAgentControl[] {
    return [...this.#agents.values()].flatMap((agent) => (agent.control ? [agent.control] : []));
  }

  /** The name the next agent will get. */
  nextName(): string {
    return agentName(this.#count);
  }

  /** Adds an agent and tells clients at once (a new agent is worth a frame). */
  add(view: Omit<AgentView, 'id'>, control: LiveAgentControl | undefined): AgentView {
    const id = `agent-${++this.#count}`;
    const agent: AgentView = { ...view, id, name: view.name || `agent${this.#count}` };
    this.#agents.set(id, { view: agent, control });
    this.#emit({ type: 'agent', agent });
    return agent;
  }

  /** Changes an agent's view; clients hear of it with the next flush. */
  update(id: string, patch: Partial<Omit<AgentView, 'id'>>): void {
    const agent = this.#agents.get(id);
    if (!agent) return;
    agent.view = { ...agent.view, ...patch };
    this.#pendingViews.add(id);
    this.#schedule();
  }

  /** Queues one line of an agent's output for the next flush. */
  output(id: string, text: string): void {
    const kept = this.#kept.get(id) ?? [];
    kept.push(...text.split('\n'));
    // Trimmed in chunks, not per line, to keep pushes cheap under a chatty agent.
    if (kept.length > OUTPUT_LINES_KEPT * 2) kept.splice(0, kept.length - OUTPUT_LINES_KEPT);
    this.#kept.set(id, kept);
    const lines = this.#pendingOutput.get(id) ?? [];
    lines.push(text);
    // A chatty agent must not flood clients: past this, only the newest lines of a batch go out.
    if (lines.length > OUTPUT_LINES_PER_FLUSH * 2) lines.splice(0, lines.length - OUTPUT_LINES_PER_FLUSH);
    this.#pendingOutput.set(id, lines);
    this.#schedule();
  }

  /** Removes agents after sending what was pending for them, so their last lines arrive first. */
  remove(ids: readonly string[]): void {
    this.flush();
    for (const id of ids) {
      this.#agents.delete(id);
      this.#kept.delete(id);
      this.#emit({ type: 'agent-removed', agentId: id });
    }
  }

  /** Sends the batched output (one event per agent) and the latest view of changed agents. */
  flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const [agentId, lines] of this.#pendingOutput) {
      this.#emit({ type: 'agent-output', agentId, text: lines.slice(-OUTPUT_LINES_PER_FLUSH).join('\n') });
    }
    this.#pendingOutput.clear();
    for (const id of this.#pendingViews) {
      const agent = this.#agents.get(id);
      if (agent) this.#emit({ type: 'agent', agent: agent.view });
    }
    this.#pendingViews.clear();
  }

  #schedule(): void {
    this.#flushTimer ??= setTimeout(() => this.flush(), AGENT_FLUSH_MS);
  }
}
