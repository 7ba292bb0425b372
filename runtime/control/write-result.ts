// What a setpoint write did on one device: the per-device answer of single and group writes.
export type WriteOutcome = 'written' | 'unchanged' | 'refused' | 'failed' | 'offline';

export interface DeviceWriteResult {
  device: string;
  point: string;
  outcome: WriteOutcome;
  /** Machine-readable reason for refused/failed/offline (e.g. out_of_range, controller_exception_3, read_back_mismatch). */
  code: string | null;
  message: string | null;
  /** Value before the write (read from the controller), when it could be read. */
  oldValue: number | null;
  requestedValue: number;
  /** Value read back after the write. */
  readBack: number | null;
  ts: number;
}

/** Who asked for a write: a user (dashboard/API session), an API token, or a flow. */
export interface WriteActor {
  kind: 'user' | 'token' | 'flow';
  id: string;
}

export function actorLabel(actor: WriteActor): string {
  return actor.kind === 'user' ? actor.id : `${actor.kind}:${actor.id}`;
}
