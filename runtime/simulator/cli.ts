// `heatgrid simulate`: starts a simulated ECL fleet in this process, prints where each controller
// listens (or writes a devices file for the registry import), serves the fault-injection control API,
// and runs until SIGINT/SIGTERM.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startSimulatedFleet, type SimulatedController } from './fleet.ts';
import { startControlApi } from './control-api.ts';

const HELP = `Usage: heatgrid simulate [options]

Starts simulated Danfoss ECL Comfort 296/310 controllers, each a Modbus/TCP server on 127.0.0.1.

Options:
  --devices N          number of controllers (default 10)
  --base-port P        controller i listens on P+i (default: free ports chosen by the OS)
  --seed S             seed for the fleet layout, weather and noise (default 1)
  --control-port C     port of the HTTP control API (default: a free port)
  --devices-file F     write the device list (host, port, unit, application, model, name, lat, lon, address)
                       as JSON to F and print a summary instead of one line per device
  --idle-timeout-ms T  close idle Modbus connections after T ms (default 75000, as the ECL)
  --help               this text

Control API (127.0.0.1):
  GET    /devices                      devices and their active faults
  POST   /devices/:id/faults           {"type":"offline"|"slow"|"timeout"|"exception"|"sensor-break"|
                                        "garbage"|"drop"|"meter-reset", ...}  e.g. {"type":"slow","latencyMs":2000}
  DELETE /devices/:id/faults[?type=T]  clear all faults (or one type)
  POST   /clock/advance                {"ms": 3600000} moves simulated time forward
`;

function positiveInt(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}

function deviceRecord(d: SimulatedController) {
  return { id: d.id, name: d.name, host: d.host, port: d.port, unit: d.unitId, application: d.application, model: d.model, lat: d.lat, lon: d.lon, address: d.address };
}

export async function simulateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string' },
      'base-port': { type: 'string' },
      seed: { type: 'string' },
      'control-port': { type: 'string' },
      'devices-file': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const devices = positiveInt('devices', values.devices, 10, 1);
  const basePort = positiveInt('base-port', values['base-port'], 0);
  if (basePort && basePort + devices - 1 > 65535) throw new Error(`--base-port ${basePort} + ${devices} devices passes port 65535`);
  const started = performance.now();
  const fleet = await startSimulatedFleet({
    devices,
    basePort,
    seed: positiveInt('seed', values.seed, 1),
    idleTimeoutMs: positiveInt('idle-timeout-ms', values['idle-timeout-ms'], 75_000, 1),
  });
  const api = await startControlApi(fleet, positiveInt('control-port', values['control-port'], 0)).catch(async (err) => {
    await fleet.stop();
    throw err;
  });
  const file = values['devices-file'];
  if (file) writeFileSync(file, JSON.stringify(fleet.devices.map(deviceRecord), null, 2) + '\n');
  else for (const d of fleet.devices) process.stdout.write(JSON.stringify(deviceRecord(d)) + '\n');
  process.stdout.write(
    JSON.stringify({
      event: 'simulator-ready',
      devices: devices,
      startMs: Math.round(performance.now() - started),
      control: `http://127.0.0.1:${api.port}`,
      ...(file ? { devicesFile: file } : {}),
      rssMb: Math.round(process.memoryUsage().rss / 1048576),
    }) + '\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void Promise.all([api.close(), fleet.stop()]).then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(JSON.stringify({ event: 'simulator-stopped' }) + '\n');
}
