// A fleet of simulated ECL Comfort controllers, each on its own 127.0.0.1 port, sharing one clock and
// one weather. Nothing runs between requests: each controller's thermal model catches up when it is
// read, so 10,000 controllers cost sockets and memory, not timers.
import { SimulatedEcl } from './controller.ts';
import { EclModbusServer } from './modbus-server.ts';
import { createSimClock, type SimClock } from './clock.ts';
import { createRng } from './random.ts';
import type { EclModel } from './factory-settings.ts';
import type { Fault } from './faults.ts';

export interface SimulatedController {
  id: string;
  name: string;
  host: string;
  port: number;
  unitId: number;
  /** "A266.1" */
  application: string;
  model: EclModel;
  lat: number;
  lon: number;
  address: string;
}

export interface FleetOptions {
  devices: number;
  /** Device i listens on basePort + i; omitted or 0 = a free port per device. */
  basePort?: number;
  /** Application keys: a list used round-robin, or weights ({ "A266.1": 7, "A230.1": 1 }). Default: mostly A266.1. */
  applications?: readonly string[] | Record<string, number>;
  seed?: number;
  idleTimeoutMs?: number;
  clock?: SimClock;
  host?: string;
}

export interface SimulatedFleet {
  devices: SimulatedController[];
  clock: SimClock;
  inject(id: string, fault: Fault): Promise<void>;
  /** Clears every fault of a device (or only those of one type). */
  clear(id: string, type?: Fault['type']): Promise<void>;
  faults(id: string): readonly Fault[];
  /** Register-level access for tests: read(pnu, count) / write(pnu, word). */
  controller(id: string): SimulatedEcl;
  advance(ms: number): void;
  stop(): Promise<void>;
}

export const DEFAULT_APPLICATION_MIX: Record<string, number> = { 'A266.1': 70, 'A230.1': 10, 'A237.1': 10, 'A247.1': 10 };
const CITY = { name: 'Aarhus', lat: 56.1572, lon: 10.2107, postcodes: ['8000', '8200', '8210', '8220', '8230', '8240', '8260', '8270'] };
const STREETS = ['Vestergade', 'Østergade', 'Nørregade', 'Søndergade', 'Jægergårdsgade', 'Frederiks Allé', 'Randersvej', 'Silkeborgvej', 'Viborgvej', 'Skovvejen', 'Marselis Boulevard', 'Grenåvej', 'Tordenskjoldsgade', 'Ingerslevs Boulevard', 'Åboulevarden', 'Høegh-Guldbergs Gade'];
const START_CONCURRENCY = 256;

function pickApplication(spec: FleetOptions['applications'], i: number, random: () => number): string {
  if (Array.isArray(spec)) return spec[i % spec.length]!;
  const weights = Object.entries((spec as Record<string, number> | undefined) ?? DEFAULT_APPLICATION_MIX);
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [app, w] of weights) if ((x -= w) < 0) return app;
  return weights[weights.length - 1]![0];
}

export async function startSimulatedFleet(options: FleetOptions): Promise<SimulatedFleet> {
  const count = options.devices;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('devices must be a positive integer');
  const seed = options.seed ?? 1;
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? createSimClock();
  const random = createRng(seed);
  const width = Math.max(4, String(count).length);
  const devices: SimulatedController[] = [];
  const servers = new Map<string, EclModbusServer>();
  for (let i = 0; i < count; i++) {
    const id = `sim-${String(i + 1).padStart(width, '0')}`;
    const application = pickApplication(options.applications, i, random);
    const model: EclModel = random() < 0.8 ? 'ecl-comfort-310' : 'ecl-comfort-296';
    const street = STREETS[Math.floor(random() * STREETS.length)]!;
    const number = 1 + Math.floor(random() * 180);
    const postcode = CITY.postcodes[Math.floor(random() * CITY.postcodes.length)]!;
    const controller = new SimulatedEcl({ id, application, model, unitId: 1, seed: (seed * 100_003 + i * 7919) >>> 0, weatherSeed: seed, clock });
    const server = new EclModbusServer(controller, { host, port: options.basePort ? options.basePort + i : 0, idleTimeoutMs: options.idleTimeoutMs, seed: seed + i });
    servers.set(id, server);
    devices.push({
      id,
      name: `${street} ${number}`,
      host,
      port: 0,
      unitId: 1,
      application,
      model,
      lat: Math.round((CITY.lat + (random() - 0.5) * 0.12) * 1e6) / 1e6,
      lon: Math.round((CITY.lon + (random() - 0.5) * 0.2) * 1e6) / 1e6,
      address: `${street} ${number}, ${postcode} ${CITY.name}`,
    });
  }
  const stopAll = () => Promise.all([...servers.values()].map((s) => s.stop()));
  try {
    for (let i = 0; i < devices.length; i += START_CONCURRENCY) {
      const batch = devices.slice(i, i + START_CONCURRENCY);
      const ports = await Promise.all(batch.map((d) => servers.get(d.id)!.start()));
      batch.forEach((d, k) => (d.port = ports[k]!));
    }
  } catch (err) {
    await stopAll();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EMFILE') throw new Error(`simulator: out of file descriptors after ${servers.size} controllers; raise 'ulimit -n' (one descriptor per listening controller, plus connections)`, { cause: err });
    throw err;
  }
  const server = (id: string) => {
    const s = servers.get(id);
    if (!s) throw new Error(`simulator: no device ${id}`);
    return s;
  };
  return {
    devices,
    clock,
    inject: (id, fault) => server(id).inject(fault),
    clear: (id, type) => server(id).clear(type),
    faults: (id) => server(id).activeFaults(),
    controller: (id) => server(id).controller,
    advance: (ms) => clock.advance(ms),
    stop: async () => {
      await stopAll();
    },
  };
}
