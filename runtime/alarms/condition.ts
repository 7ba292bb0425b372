// Threshold conditions with a deadband (OPC UA Part 9 B.1.5): a condition is entered when the value
// crosses the limit and left only when the value has come back past the limit by the deadband, so a value
// hovering at the limit does not chatter.
import type { ThresholdCondition } from './types.ts';

export interface ConditionInput {
  value: number;
  ts: number;
  /** The previous reading of the same point (rate of change). */
  previous: { value: number; ts: number } | null;
  /** Whether the condition held after the previous reading. */
  wasActive: boolean;
}

export interface ConditionResult {
  active: boolean;
  /** The limit that counts for the message: the crossed one, or the nearest. */
  limit: number;
  /** For rate rules, the rate seen (units per minute); else the value. */
  observed: number;
}

export function evaluateCondition(condition: ThresholdCondition, deadband: number, input: ConditionInput): ConditionResult | null {
  const { value, wasActive } = input;
  switch (condition.type) {
    case 'high':
      return { active: wasActive ? value > condition.limit - deadband : value > condition.limit, limit: condition.limit, observed: value };
    case 'low':
      return { active: wasActive ? value < condition.limit + deadband : value < condition.limit, limit: condition.limit, observed: value };
    case 'band': {
      const above = wasActive ? value > condition.high - deadband : value > condition.high;
      const below = wasActive ? value < condition.low + deadband : value < condition.low;
      return { active: above || below, limit: value >= (condition.low + condition.high) / 2 ? condition.high : condition.low, observed: value };
    }
    case 'rate': {
      const prev = input.previous;
      if (!prev || input.ts <= prev.ts) return null; // no rate from a single reading
      const rate = Math.abs(value - prev.value) / ((input.ts - prev.ts) / 60_000);
      return { active: wasActive ? rate > condition.limit - deadband : rate > condition.limit, limit: condition.limit, observed: rate };
    }
  }
}

export function describeCondition(condition: ThresholdCondition): string {
  switch (condition.type) {
    case 'high': return `> ${condition.limit}`;
    case 'low': return `< ${condition.limit}`;
    case 'band': return `outside ${condition.low}..${condition.high}`;
    case 'rate': return `changes faster than ${condition.limit}/min`;
  }
}
