// Store-and-forward against a real QuestDB: stop it in the middle of ingest, keep polling, restart the
// runtime's historian during the outage, bring QuestDB back: every reading is stored exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PollPayload } from '../runtime/readings.ts';
import { QuestDbHistorian } from '../runtime/historian/questdb-historian.ts';
import { createLogger } from '../runtime/log.ts';
import { QuestDbServer, questdbSkipReason } from './support/questdb.ts';

const DEVICES = ['dev-a', 'dev-b', 'dev-c', 'dev-d', 'dev-e'];
const POINTS = ['supply_temp_c', 'return_temp_c', 'heat_energy_kwh'];
const T0 = Date.UTC(2026, 0, 5);
const POLL_MS = 10_000;

function poll(device: string, i: number): PollPayload {
  return {
    device: { id: device, name: device }, ts: T0 + i * POLL_MS, application: 'A266.1',
    readings: { supply_temp_c: 70 + (i % 5), return_temp_c: 40 + (i % 3), heat_energy_kwh: 1000 + i },
    quality: { supply_temp_c: 'good', return_temp_c: 'good', heat_energy_kwh: 'good' },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('historian store-and-forward (real QuestDB outage)', function () {
  const reason = questdbSkipReason();
  if (reason) {
    it.skip(`skipped: ${reason}`);
    return;
  }
  this.timeout(150_000);
  let server: QuestDbServer;
  let dataDir: string;
  const log = createLogger('historian-outage-test', process.env.HEATGRID_TEST_LOG ?? 'error');
  const opts = { liveRetentionDays: 3650, flushIntervalMs: 100 };

  before(async function () {
    server = new QuestDbServer();
    await server.start();
    dataDir = mkdtempSync(join(tmpdir(), 'heatgrid-outage-'));
  });
  after(async function () {
    await server?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('buffers on disk while QuestDB is down, survives a runtime restart, and replays every reading exactly once', async function () {
    let i = 0;
    const pollAll = (n: number, h: QuestDbHistorian) => {
      for (let k = 0; k < n; k++, i++) for (const d of DEVICES) h.writePoll(poll(d, i));
    };
    let h = new QuestDbHistorian(server.url, dataDir, opts, log);
    await h.start();

    // 1. Normal ingest, polling while the flush timer runs.
    for (let k = 0; k < 20; k++) {
      pollAll(5, h);
      await sleep(20);
    }
    await h.flush();
    assert.equal(h.health().reachable, true);

    // 2. QuestDB goes away in the middle of ingest; polling goes on and never throws.
    const stopping = server.stop();
    for (let k = 0; k < 20; k++) {
      pollAll(5, h);
      await sleep(20);
    }
    await stopping;
    pollAll(10, h);
    await h.flush();
    const during = h.health();
    assert.equal(during.reachable, false);
    assert.ok(during.bufferDepth > 0, 'rows wait in the disk buffer');
    assert.equal(during.ok, false);

    // 3. The runtime restarts during the outage: close (flushes to disk), a new historian on the same data dir.
    pollAll(10, h);
    await h.close();
    h = new QuestDbHistorian(server.url, dataDir, opts, log);
    await h.start(); // QuestDB still down: start must not fail
    const reopened = h.health().bufferDepth;
    assert.ok(reopened >= during.bufferDepth, 'the buffer survived the restart');
    pollAll(30, h);
    await h.flush();

    // 4. QuestDB comes back: the buffer drains in order; nothing is lost, nothing doubled.
    await server.start();
    const deadline = Date.now() + 60_000;
    while (h.health().bufferDepth > 0 && Date.now() < deadline) {
      pollAll(1, h);
      await h.flush();
      await sleep(200);
    }
    await h.flush();
    assert.equal(h.health().bufferDepth, 0, 'buffer drained');
    assert.equal(h.health().reachable, true);
    assert.equal(h.health().dropped, 0);

    const series = await h.queryRange({ devices: DEVICES, points: POINTS, from: T0, to: T0 + (i + 1) * POLL_MS, interval: 'raw' });
    assert.equal(series.length, DEVICES.length * POINTS.length);
    for (const s of series) {
      const ts = s.rows.map((r) => r.ts);
      assert.equal(ts.length, i, `${s.device}/${s.point}: ${ts.length} rows for ${i} polls`);
      assert.equal(new Set(ts).size, i, 'each reading exactly once');
      assert.deepEqual(ts, Array.from({ length: i }, (_, k) => T0 + k * POLL_MS));
    }
    // The 15-minute readings are derived from the replayed samples too.
    const [energy] = await h.queryRange({ devices: ['dev-c'], points: ['heat_energy_kwh'], from: T0, to: T0 + i * POLL_MS, interval: '15m', agg: 'last' });
    assert.equal(energy!.rows.at(-1)!.value, 1000 + i - 1);
    await h.close();
  });
});
