// A device: one controller at one substation. Connection kinds leave room for OPC UA and edge gateways.

export interface ModbusTcpConnection {
  kind: 'modbus-tcp';
  host: string;
  port: number;
  unitId: number;
}

export interface OpcUaConnection {
  kind: 'opcua';
  endpoint: string;
  /** Point key → OPC UA node id. */
  nodeIds: Record<string, string>;
}

export interface GatewayConnection {
  kind: 'gateway';
  gatewayId: string;
  /** Address of the controller behind the gateway (e.g. Modbus RTU unit id). */
  address: string;
}

export type DeviceConnection = ModbusTcpConnection | OpcUaConnection | GatewayConnection;

export interface MeterInfo {
  /** Where the meter is read: through the controller's M-bus (ECL meter 1..5) or as its own device template. */
  source: 'ecl-mbus' | 'template';
  index: number;
  serial?: string;
  manufacturer?: string;
}

export interface Device {
  /** Stable slug chosen at creation ([a-z0-9-], ≤ 64), never a position. */
  id: string;
  name: string;
  /** e.g. "ecl-comfort-310", "ecl-comfort-296", or a third-party model named by a user template. */
  model: string;
  /** Application key such as "A266.1" (auto-detected on ECL), or null. */
  application: string | null;
  /** Explicit template id; null = derived from model + application. */
  templateId: string | null;
  connection: DeviceConnection;
  address: string;
  lat: number | null;
  lon: number | null;
  tags: string[];
  meters: MeterInfo[];
  /** Disabled devices are kept but not polled. */
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** "one device, a list, a smart group, or all", everywhere a selection of devices is needed. */
export type DeviceSelection = { device: string } | { devices: string[] } | { group: string } | { all: true };
