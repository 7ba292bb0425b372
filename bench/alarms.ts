// Alarm latency benchmark: 10,000 devices' poll messages flow through the alarm service at the live
// cadence (10 s per device = 1,000 polls/s, 12 points each) with the default offline and controller rules
// and three threshold rules on all devices; now and then a device's supply temperature crosses its limit.
// Measured: time from handing the crossing poll to the engine to the 'raised' event (target < 1 s + the
// rule's on-delay), event-loop lag, and the engine's capacity (polls/s) when fed flat out.
// Run: [ON_DELAY_S=60] node --disable-warning=ExperimentalWarning bench/alarms.ts [devices] [seconds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { createHistorian } from '../runtime/historian/create-historian.ts';
import { createLogger } from '../runtime/log.ts';
import { AlarmService } from '../runtime/alarms/alarm-service.ts';
import type { PollPayload } from '../runtime/readings.ts';

const devices = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 30);
const cadenceMs = 10_000;
const ON_DELAY_S = Number(process.env.ON_DELAY_S ?? 0);

const dir = mkdtempSync(join(tmpdir(), 'heatgrid-bench-alarms-'));
const store = new ConfigStore(dir);
const historian = await createHistorian({ questdbUrl: null, dataDir: dir, logLevel: 'error' }, createLogger('bench', 'error'));
const alarms = new AlarmService({ store, historian, timeZone: 'Europe/Copenhagen' });
alarms.createRule({ id: 'supply-high', name: 'Supply too hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 95 }, deadband: 2, onDelayS: ON_DELAY_S, receivers: ['ops@utility.example'] });
alarms.createRule({ id: 'return-high', name: 'Return too warm', kind: 'threshold', point: 'return_temp_c', condition: { type: 'high', limit: 60 }, deadband: 1, onDelayS: 300 });
alarms.createRule({ id: 'supply-jump', name: 'Supply jumps', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'rate', limit: 10 } });
alarms.start();

const ids = Array.from({ length: devices }, (_, i) => `sub-${String(i + 1).padStart(5, '0')}`);
const hot = new Map<string, number>(); // device → performance.now() when the crossing poll was handed over
const latencies: number[] = [];
alarms.on('event', (e) => {
  if (e.type !== 'raised' || e.alarm.ruleId !== 'supply-high') return;
  const t = hot.get(e.alarm.device);
  if (t !== undefined) {
    latencies.push(performance.now() - t - ON_DELAY_S * 1000); // beyond the on-delay
    hot.delete(e.alarm.device);
  }
});

function payload(id: string, ts: number, supply: number): PollPayload {
  return {
    device: { id, name: id }, ts, application: 'A266.1',
    readings: {
      outdoor_temp_c: 2.5, supply_temp_c: supply, return_temp_c: 38, room_temp_c: 21, dhw_tank_temp_c: 55, dhw_supply_temp_c: 52,
      heat_power_kw: 42, heat_energy_kwh: 123_456, flow_m3h: 1.2, desired_supply_temp_c: 70, controller_alarms_1_16: 0, controller_alarms_17_32: 0,
    },
    quality: {},
  };
}

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const start = Date.now();
const slotMs = cadenceMs / devices;
let sent = 0;
let crossings = 0;
const deadline = start + seconds * 1000;
const supplyOf = new Map<string, number>();
// A staggered poll loop as the fleet's: every device once per cadence, spread evenly.
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = Date.now();
    const due = Math.min(Math.floor((now - start) / slotMs), Math.floor(((deadline - start) / slotMs)));
    while (sent < due) {
      const id = ids[sent % devices]!;
      let supply = 70;
      // Every 100th poll after the first cycle crosses the limit on a device that is not in alarm.
      if (sent > devices && sent % 100 === 0 && !alarms.hasActiveAlarm(id) && !hot.has(id)) {
        supply = 97;
        crossings++;
        hot.set(id, performance.now());
      } else if (hot.has(id)) supply = 97; // stays over the limit until raised (on-delay)
      else if (alarms.hasActiveAlarm(id)) supply = 80; // back to normal
      supplyOf.set(id, supply);
      alarms.processPoll(payload(id, now, supply));
      sent++;
    }
    if (now >= deadline) {
      clearInterval(timer);
      resolve();
    }
  }, 5);
});
lag.disable();

// Capacity: the same engine fed as fast as it goes.
const capacityPolls = 50_000;
const t0 = performance.now();
for (let i = 0; i < capacityPolls; i++) alarms.processPoll(payload(ids[i % devices]!, Date.now(), 70));
const capacity = capacityPolls / ((performance.now() - t0) / 1000);

latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
await historian.flush();
const journal = await historian.queryAlarmEvents({ from: start - 1000, to: Date.now() + 1000, limit: 1_000_000 });
const result = {
  devices, seconds, pollsPerSecond: Math.round(sent / seconds), polls: sent, pointsPerPoll: 12, rules: alarms.listRules().length,
  crossings, raised: latencies.length, onDelayS: ON_DELAY_S,
  latencyMs: { p50: +q(0.5).toFixed(3), p99: +q(0.99).toFixed(3), max: +(latencies.at(-1) ?? NaN).toFixed(3) },
  eventLoopLagMs: { p99: +(lag.percentile(99) / 1e6).toFixed(1), max: +(lag.max / 1e6).toFixed(1) },
  capacityPollsPerSecond: Math.round(capacity),
  journalled: journal.length,
};
console.log(JSON.stringify(result, null, 2));
alarms.close();
await historian.close();
store.close();
rmSync(dir, { recursive: true, force: true });
