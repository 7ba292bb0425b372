// How our nodes' editor forms store a selection of devices ("all", a smart group, or device ids),
// and its conversion to the DeviceSelection every service takes.
import type { DeviceSelection } from '../devices/device.ts';

export interface SelectionConfig {
  selectionType?: string;
  selectionValue?: string;
}

export function selectionFromConfig(config: SelectionConfig): DeviceSelection {
  const value = (config.selectionValue ?? '').trim();
  switch (config.selectionType ?? 'all') {
    case 'all':
      return { all: true };
    case 'group':
      if (!value) throw new Error('choose a smart group');
      return { group: value };
    case 'devices': {
      const ids = value.split(/[\s,]+/).filter(Boolean);
      if (ids.length === 0) throw new Error('name at least one device id');
      return ids.length === 1 ? { device: ids[0]! } : { devices: ids };
    }
    default:
      throw new Error(`unknown selection type "${config.selectionType}"`);
  }
}

export function describeSelection(selection: DeviceSelection): string {
  if ('all' in selection) return 'all devices';
  if ('group' in selection) return `group ${selection.group}`;
  if ('device' in selection) return selection.device;
  return `${selection.devices.length} devices`;
}
