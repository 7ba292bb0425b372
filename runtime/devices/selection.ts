// "One device, a list, a smart group, or all": the one way nodes, alarm rules, reports, group writes and
// the API name the devices they act on. parseSelection checks loose input once; resolveSelection turns a
// selection into devices now (groups are evaluated on use).
import type { Device, DeviceSelection } from './device.ts';
import type { DeviceRegistry } from './registry.ts';
import type { SmartGroupService } from './smart-groups.ts';
import { DEVICE_ID, describeProblems, type FieldProblem } from './validation.ts';

export type SelectionErrorCode = 'invalid_selection' | 'unknown_devices' | 'unknown_group';

export class SelectionError extends Error {
  readonly code: SelectionErrorCode;
  readonly details: FieldProblem[];
  /** For unknown_devices: the ids that name no device. */
  readonly unknownIds: string[];
  constructor(code: SelectionErrorCode, message: string, details: FieldProblem[] = [], unknownIds: string[] = []) {
    super(details.length && code === 'invalid_selection' ? `${message}: ${describeProblems(details)}` : message);
    this.code = code;
    this.details = details;
    this.unknownIds = unknownIds;
  }
}

/** A selection lists at most this many ids; larger sets belong in a smart group. */
export const MAX_SELECTION_IDS = 10_000;
const KEYS = ['device', 'devices', 'group', 'all'] as const;
const SHAPES = '{"device": id}, {"devices": [ids]}, {"group": groupId}, {"all": true} or a device id';

function invalid(field: string, message: string): SelectionError {
  return new SelectionError('invalid_selection', 'invalid device selection', [{ field, message }]);
}

/** Checks a selection from node config, a message or an API body. A bare string is one device id. */
export function parseSelection(input: unknown): DeviceSelection {
  if (typeof input === 'string') {
    const id = input.trim();
    if (!DEVICE_ID.test(id)) throw invalid('', `"${input}" is not a device id; a selection is ${SHAPES}`);
    return { device: id };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', `a selection is ${SHAPES}`);
  const record = input as Record<string, unknown>;
  const given = Object.keys(record).filter((k) => record[k] !== undefined);
  const unknown = given.filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length) throw invalid(unknown[0]!, `unknown key; a selection is ${SHAPES}`);
  if (given.length !== 1) throw invalid('', `give exactly one of device, devices, group, all (got ${given.length ? given.join(', ') : 'none'})`);
  const key = given[0] as (typeof KEYS)[number];
  const value = record[key];
  switch (key) {
    case 'device':
      if (typeof value !== 'string' || !DEVICE_ID.test(value.trim())) throw invalid('device', 'a device id');
      return { device: value.trim() };
    case 'group':
      if (typeof value !== 'string' || !DEVICE_ID.test(value.trim())) throw invalid('group', 'a smart group id');
      return { group: value.trim() };
    case 'all':
      if (value !== true) throw invalid('all', 'must be true');
      return { all: true };
    case 'devices': {
      if (!Array.isArray(value) || value.length === 0) throw invalid('devices', 'a non-empty list of device ids');
      if (value.length > MAX_SELECTION_IDS) throw invalid('devices', `at most ${MAX_SELECTION_IDS} ids; use a smart group for more`);
      const problems: FieldProblem[] = [];
      value.forEach((id, i) => {
        if (typeof id !== 'string' || !DEVICE_ID.test(id.trim())) problems.push({ field: `devices[${i}]`, message: `not a device id: ${JSON.stringify(id)}` });
      });
      if (problems.length) throw new SelectionError('invalid_selection', 'invalid device selection', problems);
      return { devices: [...new Set((value as string[]).map((id) => id.trim()))] };
    }
  }
}

export interface ResolveOptions {
  /** Leave out disabled devices (pollers); reports and the API usually keep them. */
  enabledOnly?: boolean;
}

export interface SelectionServices {
  registry: DeviceRegistry;
  groups: SmartGroupService;
}

/**
 * The devices a selection names now. Listed ids keep their order; groups and "all" come by name.
 * Unknown device ids fail the whole selection naming every one of them; an unknown group fails too.
 */
export function resolveSelection(selection: DeviceSelection, services: SelectionServices, options: ResolveOptions = {}): Device[] {
  let devices: Device[];
  if ('all' in selection) devices = services.registry.all();
  else if ('group' in selection) {
    if (!services.groups.exists(selection.group)) throw new SelectionError('unknown_group', `no smart group "${selection.group}"`, [{ field: 'group', message: 'no such smart group' }]);
    devices = services.groups.members(selection.group);
  } else {
    const ids = 'device' in selection ? [selection.device] : selection.devices;
    const found = services.registry.getMany(ids);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) {
      const label = missing.length === 1 ? `no device "${missing[0]}"` : `no devices ${missing.map((m) => `"${m}"`).join(', ')}`;
      throw new SelectionError('unknown_devices', label, [{ field: 'device' in selection ? 'device' : 'devices', message: label }], missing);
    }
    devices = ids.map((id) => found.get(id)!);
  }
  return options.enabledOnly ? devices.filter((d) => d.enabled) : devices;
}

/** Bound form for services that resolve often (the fleet service takes `resolve`). */
export class SelectionResolver {
  private readonly services: SelectionServices;
  constructor(services: SelectionServices) {
    this.services = services;
  }
  resolve(selection: DeviceSelection, options: ResolveOptions = {}): Device[] {
    return resolveSelection(selection, this.services, options);
  }
  /** parseSelection + resolve, for loose input. */
  resolveInput(input: unknown, options: ResolveOptions = {}): Device[] {
    return this.resolve(parseSelection(input), options);
  }
}
