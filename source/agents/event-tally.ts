/**
 * What one agent's events add up to, for its result (agents/agent-process.ts): tokens and cost, the
 * session, its last words and the result event's verdict, and what it last reported going wrong.
 */
import type { AgentEvent } from './backend.js';

/** The running totals of one agent's events. */
export interface EventTally {
  readonly push: (event: AgentEvent) => void;
  readonly count: () => number;
  readonly tokensIn: () => number;
  readonly tokensOut: () => number;
  /** The result event's cost when it reports one (a total), else the sum of usage events' costs. */
  readonly costUsd: () => number;
  readonly sessionId: () => string | undefined;
  /** The result event's verdict; undefined when none came. */
  readonly resultOk: () => boolean | undefined;
  readonly resultText: () => string | undefined;
  /** The result event's text, else the last text event's. */
  readonly finalText: () => string;
  /**
   * The refusal or error the CLI reported last, unless it went on after it (usage, init and the
   * result do not count as going on).
   */
  readonly lastProblem: () => string | undefined;
}

/** A tally with nothing counted yet. */
export function createEventTally(): EventTally {
  let count = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  let usageCost = 0;
  let resultCost: number | undefined;
  let sessionId: string | undefined;
  let resultOk: boolean | undefined;
  let resultText: string | undefined;
  let lastText = '';
  let lastProblem: string | undefined;
  return {
    push: (event) => {
      count += 1;
      if (event.type === 'usage') {
        tokensIn += event.tokensIn;
        tokensOut += event.tokensOut;
        usageCost += event.costUsd ?? 0;
      } else if (event.type === 'init') sessionId = event.sessionId ?? sessionId;
      else if (event.type === 'text') lastText = event.text;
      else if (event.type === 'result') {
        resultOk = event.ok;
        resultText = event.text;
        sessionId = event.sessionId ?? sessionId;
        if (event.costUsd !== undefined) resultCost = event.costUsd;
      }
      if (event.type === 'denied')
        lastProblem = `${event.by ?? 'the policy'} refused ${event.command}: ${event.reason}`;
      else if (event.type === 'error' && !event.warning) lastProblem = event.message;
      else if (event.type !== 'usage' && event.type !== 'result' && event.type !== 'init')
        lastProblem = undefined;
    },
    count: () => count,
    tokensIn: () => tokensIn,
    tokensOut: () => tokensOut,
    costUsd: () => resultCost ?? usageCost,
    sessionId: () => sessionId,
    resultOk: () => resultOk,
    resultText: () => resultText,
    finalText: () => resultText ?? lastText,
    lastProblem: () => lastProblem,
  };
}
