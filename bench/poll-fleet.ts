// Polling benchmark (not a test): N simulated ECL controllers in separate processes, polled by our
// fleet service (driver + poll loop, as the ecl-controller node uses it) at a fixed cadence. Reports
// polls/s, poll lateness p50/p99, failed polls, and CPU and memory of the polling process.
//
//   npm run bench -- poll-fleet [--devices 10000] [--cadence 10] [--seconds 120] [--base-port 20000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { FleetService } from '../runtime/fleet/fleet-service.ts';
import { ECL_TEMPLATES } from '../runtime/ecl/ecl-templates.ts';
import { applicationFamily } from '../runtime/ecl/applications.ts';
import { projectRoot } from '../runtime/paths.ts';
import type { Device } from '../runtime/devices/device.ts';

const { values } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== 'poll-fleet'), options: { devices: { type: 'string' }, cadence: { type: 'string' }, seconds: { type: 'string' }, 'base-port': { type: 'string' } } });
const deviceCount = Number(values.devices ?? 10_000);
const cadenceS = Number(values.cadence ?? 10);
const seconds = Number(values.seconds ?? 120);
const basePort = Number(values['base-port'] ?? 20000);

// A process may hold 20,000 open files here, and a simulated controller with a client costs two (its
// listening socket and the accepted one): so at most 5,000 controllers per simulator process.
const PER_PROCESS = 5000;
const dir = mkdtempSync(join(tmpdir(), 'heatgrid-bench-'));
const simulators = await Promise.all(
  Array.from({ length: Math.ceil(deviceCount / PER_PROCESS) }, async (_, i) => {
    const count = Math.min(PER_PROCESS, deviceCount - i * PER_PROCESS);
    const devicesFile = join(dir, `devices-${i}.json`);
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(projectRoot, 'runtime/cli/main.ts'), 'simulate', '--devices', String(count), '--base-port', String(basePort + i * PER_PROCESS), '--seed', String(i + 1), '--devices-file', devicesFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HEATGRID_DATA_DIR: dir },
    });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => line.includes('simulator-ready') && resolve());
      child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    });
    const listed = JSON.parse(readFileSync(devicesFile, 'utf8')) as { id: string; name: string; host: string; port: number; unit: number; application: string; model: string }[];
    return { child, devices: listed.map((d) => ({ ...d, id: `p${i}-${d.id}` })) };
  }),
);
const simulated = simulators.flatMap((s) => s.devices);
const devices: Device[] = simulated.map((d) => ({
  id: d.id, name: d.name, model: d.model, application: d.application, templateId: null,
  connection: { kind: 'modbus-tcp', host: d.host, port: d.port, unitId: d.unit },
  address: '', lat: null, lon: null, tags: [], meters: [], enabled: true, createdAt: 0, updatedAt: 0,
}));

const fleet = new FleetService({
  resolve: () => devices,
  templateFor: (d) => ECL_TEMPLATES.find((t) => t.application === applicationFamily(d.application)) ?? null,
});
const loop = fleet.createPollLoop({ all: true }, { cadenceMs: cadenceS * 1000, offlineAfterMs: cadenceS * 3000, settingsEvery: 6 });
let values_ = 0;
loop.on('poll', (p) => (values_ += Object.keys(p.readings).length));
/** CPU seconds used so far by another process (utime + stime from /proc). */
function processCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const cpuStart = process.cpuUsage();
const started = performance.now();
loop.start();
// Warm-up cycle (connections are opened), then measure.
await new Promise((r) => setTimeout(r, cadenceS * 1000));
const warm = loop.stats();
const warmValues = values_;
const cpuWarm = process.cpuUsage(cpuStart);
const simCpuWarm = simulators.reduce((sum, s) => sum + processCpuS(s.child.pid!), 0);
const warmAt = performance.now();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(sampler);
const end = loop.stats();
const cpu = process.cpuUsage(cpuStart);
const elapsedS = (performance.now() - warmAt) / 1000;
const cpuS = (cpu.user + cpu.system - cpuWarm.user - cpuWarm.system) / 1e6;
const summary = fleet.summary();
const simulatorCpuPercent = Math.round(((simulators.reduce((sum, s) => sum + processCpuS(s.child.pid!), 0) - simCpuWarm) / elapsedS) * 100);
await fleet.close();
for (const s of simulators) s.child.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  devices: deviceCount,
  cadenceS,
  measuredS: Math.round(elapsedS),
  pollsPerS: Math.round((end.polls - warm.polls) / elapsedS),
  expectedPollsPerS: Math.round(deviceCount / cadenceS),
  valuesPerS: Math.round((values_ - warmValues) / elapsedS),
  failedPolls: end.failedPolls - warm.failedPolls,
  overruns: end.overruns - warm.overruns,
  latenessP50Ms: end.latenessP50Ms,
  latenessP99Ms: end.latenessP99Ms,
  runtimeCpuPercent: Math.round((cpuS / elapsedS) * 100),
  runtimePeakRssMb: Math.round(peakRss / 1048576),
  simulatorCpuPercent,
  online: summary.online,
  offline: summary.offline,
  totalElapsedS: Math.round((performance.now() - started) / 1000),
}, null, 2));
process.exit(0);
