// Scale check of the ECL fleet simulator (not a test): starts N simulated controllers in a child
// process (`simulateCommand`), then reads S1..S6 (PNU 10201, 6 registers, FC03) once from every
// controller over a fresh TCP connection, at most --concurrency connections at a time and at most
// --rate reads per second, and reports start time, child RSS and read latency.
//
//   node bench/simulator-scale.ts [--devices 10000] [--base-port 20000] [--concurrency 100] [--rate 2000]
// --base-port 0 lets the OS pick each port: the kernel's free-port search makes that ~30x slower at 10,000.
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { devices: { type: 'string' }, 'base-port': { type: 'string' }, concurrency: { type: 'string' }, rate: { type: 'string' } } });
const devices = Number(values.devices ?? 10_000);
const concurrency = Number(values.concurrency ?? 100);
const rate = Number(values.rate ?? 2000);
const basePort = Number(values['base-port'] ?? 20000);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function readOnce(port: number, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    let buf = Buffer.alloc(0);
    socket.on('connect', () => socket.write(Buffer.from([0, 1, 0, 0, 0, 6, 1, 3, 0x27, 0xd8, 0, 6])));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 9 + 12) {
        clearTimeout(timer);
        socket.destroy();
        if (buf[7] !== 3) reject(new Error(`exception ${buf[8]}`));
        else resolve(performance.now() - started);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'heatgrid-sim-bench-'));
const devicesFile = join(dir, 'devices.json');
const cli = new URL('../runtime/simulator/cli.ts', import.meta.url).href;
const spawnedAt = performance.now();
const child = spawn(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(cli)}).then((m) => m.simulateCommand(process.argv.slice(1))).catch((e) => { console.error(e.message); process.exit(1); })`, '--', '--devices', String(devices), '--base-port', String(basePort), '--devices-file', devicesFile], { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = await new Promise<Record<string, number>>((resolve, reject) => {
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, number> & { event?: string };
    if (msg.event === 'simulator-ready') resolve(msg);
  });
  child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before it was ready`)));
});
const readyMs = performance.now() - spawnedAt;
const list = JSON.parse(readFileSync(devicesFile, 'utf8')) as { port: number }[];
const rssIdle = rssMb(child.pid!);

const latencies: number[] = [];
const errors = new Map<string, number>();
let next = 0;
const readsStarted = performance.now();
async function worker(): Promise<void> {
  while (next < list.length) {
    const i = next++;
    // Bounded rate: read i may not start before i/rate seconds.
    const due = readsStarted + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      latencies.push(await readOnce(list[i]!.port));
    } catch (err) {
      const key = (err as Error).message;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const readsMs = performance.now() - readsStarted;
const rssAfter = rssMb(child.pid!);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1) : 'n/a');
console.log(
  JSON.stringify(
    {
      devices,
      basePort,
      startMsInChild: ready.startMs,
      readyMsFromSpawn: Math.round(readyMs),
      rssMbIdle: rssIdle,
      rssMbAfterReads: rssAfter,
      reads: latencies.length,
      errors: Object.fromEntries(errors),
      readPhaseMs: Math.round(readsMs),
      readsPerS: Math.round((latencies.length / readsMs) * 1000),
      latencyMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
      concurrency,
      rateLimitPerS: rate,
      ulimitNofile: 'see `ulimit -n` (needs >= devices + concurrency + a few)',
    },
    null,
    2,
  ),
);
