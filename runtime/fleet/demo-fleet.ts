// The demo fleet: when no real device is registered, simulated ECL controllers on 127.0.0.1 are started
// and registered (tagged "demo"), so `npm start` shows a living system. Their ids are stable, so readings,
// alarms and reports of the demo survive restarts; they are kept out of the way as soon as a real
// device is registered. Smart groups "North" and "South" split the demo town for examples.
import type { DeviceRegistry } from '../devices/registry.ts';
import type { SmartGroupService } from '../devices/smart-groups.ts';
import type { Logger } from '../log.ts';
import { startSimulatedFleet, type SimulatedFleet } from '../simulator/fleet.ts';

export const DEMO_TAG = 'demo';
/** Fixed so the demo town and its weather are the same on every start. */
const DEMO_SEED = 2026;

export interface DemoFleet {
  fleet: SimulatedFleet;
  stop(): Promise<void>;
}

export async function startDemoFleet(registry: DeviceRegistry, groups: SmartGroupService, count: number, log: Logger): Promise<DemoFleet | null> {
  const registered = registry.all();
  const real = registered.filter((d) => !d.tags.includes(DEMO_TAG));
  if (real.length > 0 || count === 0) {
    if (registered.length > real.length) {
      registry.batch(() => {
        for (const d of registered) if (d.tags.includes(DEMO_TAG) && d.enabled) registry.update(d.id, { enabled: false });
      });
    }
    log.info(count === 0 ? 'demo fleet off (HEATGRID_DEMO_DEVICES=0)' : `${real.length} devices registered: no demo fleet`);
    return null;
  }
  const fleet = await startSimulatedFleet({ devices: count, seed: DEMO_SEED });
  const keep = new Set(fleet.devices.map((d) => d.id));
  registry.batch(() => {
    for (const sim of fleet.devices) {
      const connection = { kind: 'modbus-tcp' as const, host: sim.host, port: sim.port, unitId: sim.unitId };
      if (registry.exists(sim.id)) registry.update(sim.id, { connection, enabled: true });
      else
        registry.create({
          id: sim.id,
          name: sim.name,
          model: sim.model,
          connection,
          address: sim.address,
          lat: sim.lat,
          lon: sim.lon,
          tags: [DEMO_TAG],
          meters: [{ source: 'ecl-mbus', index: 1 }],
        });
    }
    for (const d of registered) if (!keep.has(d.id)) registry.delete(d.id);
  });
  const lats = fleet.devices.map((d) => d.lat).sort((a, b) => a - b);
  const middle = lats[Math.floor(lats.length / 2)] ?? 0;
  for (const [id, name, minLat, maxLat] of [['north', 'North', middle, 90], ['south', 'South', -90, middle - 1e-9]] as const) {
    if (!groups.exists(id)) groups.create({ id, name, description: 'Demo: half of the demo town', filter: { tags: [DEMO_TAG], bbox: { minLat, maxLat, minLon: -180, maxLon: 180 } } });
  }
  log.info(`demo fleet: ${count} simulated ECL Comfort controllers on 127.0.0.1 (set HEATGRID_DEMO_DEVICES=0 to turn it off)`);
  return { fleet, stop: () => fleet.stop() };
}
