/**
 * Bounded per-agent buffers of `agent-output` lines for the log pane. A chatty agent cannot grow
 * memory: each agent keeps its newest lines, the number of agents is capped, and the buffers of
 * agents that left are dropped after a grace period (so their last lines stay readable a while).
 */

/** Bounds of the buffers. */
export interface OutputRingOptions {
  readonly linesPerAgent: number;
  readonly maxAgents: number;
  /** How long a removed agent's lines stay, in ms. */
  readonly keepRemovedMs: number;
}

/** Defaults: 500 lines × 50 agents, removed agents kept one minute. */
export const DEFAULT_RING_OPTIONS: OutputRingOptions = {
  linesPerAgent: 500,
  maxAgents: 50,
  keepRemovedMs: 60_000,
};

interface Ring {
  lines: string[];
  removedAt: number | undefined;
  touched: number;
}

/** The per-agent output buffers. */
export class OutputRings {
  readonly #rings = new Map<string, Ring>();
  readonly #options: OutputRingOptions;

  constructor(options: OutputRingOptions = DEFAULT_RING_OPTIONS) {
    this.#options = options;
  }

  /** Appends one line (or several, split on newlines) to an agent's buffer. */
  push(agentId: string, text: string, now: number): void {
    let ring = this.#rings.get(agentId);
    if (!ring) {
      this.#evictFor(now);
      ring = { lines: [], removedAt: undefined, touched: now };
      this.#rings.set(agentId, ring);
    }
    ring.touched = now;
    for (const line of text.split('\n')) ring.lines.push(line);
    // Trim in chunks rather than per line: one splice per 10% overflow keeps pushes O(1) amortised.
    const { linesPerAgent } = this.#options;
    if (ring.lines.length > linesPerAgent + Math.ceil(linesPerAgent / 10))
      ring.lines.splice(0, ring.lines.length - linesPerAgent);
  }

  /** Replaces an agent's buffer with `lines` (what a snapshot says it printed so far). */
  seed(agentId: string, lines: readonly string[], now: number): void {
    if (!this.#rings.has(agentId)) this.#evictFor(now);
    this.#rings.set(agentId, {
      lines: lines.slice(-this.#options.linesPerAgent),
      removedAt: undefined,
      touched: now,
    });
  }

  /** The newest lines of an agent, oldest first (at most linesPerAgent). */
  lines(agentId: string): readonly string[] {
    const lines = this.#rings.get(agentId)?.lines ?? [];
    return lines.length > this.#options.linesPerAgent ? lines.slice(-this.#options.linesPerAgent) : lines;
  }

  /** Marks an agent as gone; its buffer is dropped `keepRemovedMs` later by `prune`. */
  markRemoved(agentId: string, now: number): void {
    const ring = this.#rings.get(agentId);
    if (ring && ring.removedAt === undefined) ring.removedAt = now;
  }

  /** Drops buffers of agents removed longer ago than the grace period. */
  prune(now: number): void {
    for (const [id, ring] of this.#rings) {
      if (ring.removedAt !== undefined && now - ring.removedAt >= this.#options.keepRemovedMs)
        this.#rings.delete(id);
    }
  }

  /** Number of agents with a buffer. */
  get size(): number {
    return this.#rings.size;
  }

  /** Makes room for one more agent: removed agents first, then the least recently active. */
  #evictFor(now: number): void {
    this.prune(now);
    while (this.#rings.size >= this.#options.maxAgents) {
      let victim: string | undefined;
      let best = Number.POSITIVE_INFINITY;
      for (const [id, ring] of this.#rings) {
        const score = ring.removedAt !== undefined ? ring.removedAt - 1e15 : ring.touched;
        if (score < best) [best, victim] = [score, id];
      }
      if (victim === undefined) return;
      this.#rings.delete(victim);
    }
  }
}
