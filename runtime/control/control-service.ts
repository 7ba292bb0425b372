// The control path's facade for nodes and the API: single writes, group writes as jobs over any
// selection of devices, and the audit trail of writes.
import type { DeviceSelection } from '../devices/device.ts';
import type { SelectionResolver } from '../devices/selection.ts';
import type { DeviceRegistry } from '../devices/registry.ts';
import type { Historian, AuditEntry } from '../historian/historian.ts';
import { GroupWrites, type SetpointJob } from './group-write.ts';
import { AUDIT_ACTION_SETPOINT, SetpointWriter, type SetpointWriterDeps } from './setpoint-writer.ts';
import type { DeviceWriteResult, WriteActor } from './write-result.ts';

export interface ControlServiceDeps extends SetpointWriterDeps {
  registry: DeviceRegistry;
  selections: SelectionResolver;
}

export class ControlService {
  readonly writer: SetpointWriter;
  readonly jobs: GroupWrites;
  private readonly deps: ControlServiceDeps;

  constructor(deps: ControlServiceDeps) {
    this.deps = deps;
    this.writer = new SetpointWriter(deps);
    this.jobs = new GroupWrites(this.writer);
  }

  /** One device, awaited: the caller gets the device's result. */
  writeDevice(deviceId: string, point: string, value: number, actor: WriteActor, reason: string | null = null): Promise<DeviceWriteResult> {
    return this.writer.write(this.deps.registry.require(deviceId), point, value, actor, reason);
  }

  /** Any selection, as a job (unknown devices or groups throw before anything starts). */
  startWrite(selection: DeviceSelection, point: string, value: number, actor: WriteActor, reason: string | null = null): SetpointJob {
    const devices = this.deps.selections.resolve(selection);
    return this.jobs.start(devices, point, value, actor, reason);
  }

  auditOfWrites(query: { from: number; to: number; devices?: string[]; limit?: number }): Promise<AuditEntry[]> {
    return this.deps.historian.queryAudit({ ...query, actions: [AUDIT_ACTION_SETPOINT] });
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

export type { DeviceWriteResult, WriteActor, SetpointJob };
