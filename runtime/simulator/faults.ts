// Faults a simulated controller can be given at run time (tests, the control API, benchmarks), and
// their validation. Several can be active at once; `rate` makes a fault intermittent (a share of
// requests, drawn from a seeded generator so runs repeat).

export type Fault =
  /** Port closed: connections are refused until cleared. */
  | { type: 'offline' }
  /** Every answer delayed by `latencyMs`. */
  | { type: 'slow'; latencyMs: number; rate?: number }
  /** Requests swallowed: no answer at all. */
  | { type: 'timeout'; rate?: number }
  /** Reads answered with Modbus exception `code` (1-4, or any 1-255). */
  | { type: 'exception'; code: number; rate?: number }
  /** Sensor S`sensor` reads 19200 (open) or −6400 (short). */
  | { type: 'sensor-break'; sensor: number; mode?: 'open' | 'short' }
  /** Answers replaced by random bytes, or sent with a wrong transaction id. */
  | { type: 'garbage'; mode?: 'random' | 'wrong-transaction-id'; rate?: number }
  /** Connection closed in the middle of the answer. */
  | { type: 'drop'; rate?: number }
  /** One-off: heat meter counters back to 0 (meter exchanged). Not kept as an active fault. */
  | { type: 'meter-reset' };

export type FaultType = Fault['type'];
export const FAULT_TYPES: readonly FaultType[] = ['offline', 'slow', 'timeout', 'exception', 'sensor-break', 'garbage', 'drop', 'meter-reset'];

export class FaultError extends Error {}

/** Checks a fault from outside (JSON); returns it typed or throws FaultError with a readable reason. */
export function parseFault(input: unknown): Fault {
  const f = input as Record<string, unknown> | null;
  if (!f || typeof f !== 'object') throw new FaultError('fault must be a JSON object with a "type"');
  const type = f.type as FaultType;
  if (!FAULT_TYPES.includes(type)) throw new FaultError(`type must be one of ${FAULT_TYPES.join(', ')}`);
  const rate = f.rate;
  if (rate !== undefined && (typeof rate !== 'number' || !(rate > 0 && rate <= 1))) throw new FaultError('rate must be a number in (0, 1]');
  const r = rate === undefined ? {} : { rate };
  switch (type) {
    case 'offline':
    case 'meter-reset':
      return { type };
    case 'timeout':
    case 'drop':
      return { type, ...r };
    case 'slow': {
      const latencyMs = f.latencyMs;
      if (typeof latencyMs !== 'number' || !(latencyMs >= 0 && latencyMs <= 600_000)) throw new FaultError('slow needs latencyMs 0..600000');
      return { type, latencyMs, ...r };
    }
    case 'exception': {
      const code = f.code;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 1 || code > 255) throw new FaultError('exception needs an integer code 1..255');
      return { type, code, ...r };
    }
    case 'sensor-break': {
      const sensor = f.sensor;
      if (typeof sensor !== 'number' || !Number.isInteger(sensor) || sensor < 1 || sensor > 16) throw new FaultError('sensor-break needs sensor 1..16');
      const mode = f.mode ?? 'open';
      if (mode !== 'open' && mode !== 'short') throw new FaultError('sensor-break mode is open or short');
      return { type, sensor, mode };
    }
    case 'garbage': {
      const mode = f.mode ?? 'random';
      if (mode !== 'random' && mode !== 'wrong-transaction-id') throw new FaultError('garbage mode is random or wrong-transaction-id');
      return { type, mode, ...r };
    }
  }
}
