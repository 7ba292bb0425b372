// Writes one point of one controller, the most dangerous thing Heatgrid does: validated against the
// device's template before touching the wire, refused for offline devices, queued ahead of polls on the
// controller's single link, read back and compared, and every attempt audited with old and new value.
import type { Device, ModbusTcpConnection } from '../devices/device.ts';
import type { DeviceTemplate, PointDefinition } from '../templates/template.ts';
import { decodePoint, encodeForWrite, WriteRefused } from '../drivers/modbus/codec.ts';
import { LinkError } from '../drivers/modbus/controller-link.ts';
import { wordsOf } from '../templates/template.ts';
import type { FleetService } from '../fleet/fleet-service.ts';
import type { Historian } from '../historian/historian.ts';
import { actorLabel, type DeviceWriteResult, type WriteActor } from './write-result.ts';
import { monotonicMs } from '../time/monotonic-ms.ts';

export interface SetpointWriterDeps {
  fleet: FleetService;
  templateFor: (device: Device) => DeviceTemplate | null;
  historian: Historian;
  now?: () => number;
}

export const AUDIT_ACTION_SETPOINT = 'setpoint.write';

export class SetpointWriter {
  private readonly deps: SetpointWriterDeps;
  private readonly now: () => number;

  constructor(deps: SetpointWriterDeps) {
    this.deps = deps;
    // Each attempt gets its own audit timestamp, even two in one millisecond.
    this.now = monotonicMs(deps.now);
  }

  /** Checks a write without performing it: the point's definition, or the reason it would be refused. */
  check(device: Device, pointKey: string, value: unknown): { point: PointDefinition; words: number[] } | { code: string; message: string } {
    const template = this.deps.templateFor(device);
    if (!template) return { code: 'no_template', message: `no template for ${device.model}${device.application ? ` / ${device.application}` : ''} yet` };
    const point = template.points.find((p) => p.key === pointKey);
    if (!point) return { code: 'unknown_point', message: `${template.name} has no point "${pointKey}"` };
    try {
      return { point, words: encodeForWrite(point, value) };
    } catch (err) {
      if (err instanceof WriteRefused) return { code: err.code, message: err.message };
      throw err;
    }
  }

  async write(device: Device, pointKey: string, value: number, actor: WriteActor, reason: string | null = null): Promise<DeviceWriteResult> {
    const result = await this.attempt(device, pointKey, value);
    this.deps.historian.writeAudit([
      {
        ts: result.ts,
        actor: actorLabel(actor),
        action: AUDIT_ACTION_SETPOINT,
        device: device.id,
        point: pointKey,
        oldValue: result.oldValue,
        newValue: value,
        outcome: result.outcome === 'written' || result.outcome === 'unchanged' ? 'ok' : result.outcome,
        detail: [result.outcome, result.code, result.message, result.readBack !== null ? `read back ${result.readBack}` : null, reason].filter(Boolean).join('; '),
      },
    ]);
    return result;
  }

  private async attempt(device: Device, pointKey: string, value: number): Promise<DeviceWriteResult> {
    const ts = this.now();
    const base = { device: device.id, point: pointKey, requestedValue: value, oldValue: null, readBack: null, ts };
    const refuse = (outcome: 'refused' | 'failed' | 'offline', code: string, message: string, extra: Partial<DeviceWriteResult> = {}): DeviceWriteResult => ({
      ...base,
      outcome,
      code,
      message,
      ...extra,
    });

    if (!device.enabled) return refuse('refused', 'device_disabled', `${device.id} is disabled`);
    if (device.connection.kind !== 'modbus-tcp') return refuse('refused', 'unsupported_connection', `writes over ${device.connection.kind} are not supported yet`);
    const checked = this.check(device, pointKey, value);
    if ('code' in checked) return refuse('refused', checked.code, checked.message);
    const { point, words } = checked;
    if (this.deps.fleet.statuses.statusOf(device.id) === 'offline') {
      return refuse('offline', 'device_offline', `${device.id} is offline; nothing was sent`);
    }

    const { link } = this.deps.fleet.links.get(device.connection as ModbusTcpConnection, 123);
    const count = wordsOf(point.type);
    const readValue = async () => decodePoint(point, await link.readRegisters(point.read, point.register, count, 'ahead'), point.register).value;
    let oldValue: number | null = null;
    try {
      oldValue = await readValue();
      if (oldValue === value) return { ...base, outcome: 'unchanged', code: null, message: null, oldValue, readBack: oldValue };
      await link.writeRegisters(point.register, words);
      const readBack = await readValue();
      if (readBack !== value) {
        return refuse('failed', 'read_back_mismatch', `wrote ${value}, controller reports ${readBack}`, { oldValue, readBack });
      }
      return { ...base, outcome: 'written', code: null, message: null, oldValue, readBack };
    } catch (err) {
      if (!(err instanceof LinkError)) throw err;
      if (err.kind === 'exception') {
        // The controller itself refused (e.g. exception 3: value out of its range).
        return refuse('refused', `controller_exception_${err.exceptionCode}`, `the controller refused the write: ${err.message}`, { oldValue });
      }
      return refuse(err.kind === 'connect' || err.kind === 'backoff' ? 'offline' : 'failed', `link_${err.kind}`, err.message, { oldValue });
    }
  }
}
