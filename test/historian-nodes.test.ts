// historian-write and historian-query in a real Node-RED runtime (node-red-node-test-helper), over the
// embedded historian.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import historianNode from '../nodes/historian/historian.ts';
import historianWriteNode from '../nodes/historian-write/historian-write.ts';
import historianQueryNode from '../nodes/historian-query/historian-query.ts';
import { EmbeddedHistorian } from '../runtime/historian/embedded-historian.ts';
import { setHeatgridServices, type HeatgridServices } from '../runtime/services.ts';
import { createLogger } from '../runtime/log.ts';
import type { PollPayload } from '../runtime/readings.ts';

helper.init(createRequire(import.meta.url).resolve('node-red'));

describe('historian nodes', function () {
  let dir: string;
  let historian: EmbeddedHistorian;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-hnodes-'));
    historian = new EmbeddedHistorian(dir, { flushIntervalMs: 50, liveRetentionDays: 3650 }, createLogger('t', 'error'));
    await historian.start();
    setHeatgridServices({ historian } as unknown as HeatgridServices);
  });
  after(async function () {
    await helper.unload();
    await historian.close();
    setHeatgridServices(undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  const flow = [
    { id: 'cfg', type: 'historian', name: 'store' },
    { id: 'w', type: 'historian-write', historian: 'cfg', wires: [] },
    { id: 'q', type: 'historian-query', historian: 'cfg', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  const nodes = [historianNode, historianWriteNode, historianQueryNode] as unknown as Parameters<typeof helper.load>[0];

  it('stores poll messages as they are and answers range, latest and bad queries', async function () {
    await helper.load(nodes, flow);
    const t0 = Date.UTC(2026, 0, 1);
    const w = helper.getNode('w');
    for (let i = 0; i < 8; i++) {
      const payload: PollPayload = { device: { id: 'sub-9', name: 'Sub 9' }, ts: t0 + i * 5 * 60_000, application: null,
        readings: { supply_temp_c: 60 + i }, quality: { supply_temp_c: 'good' } };
      w.receive({ topic: 'heatgrid/sub-9', payload });
    }
    await historian.flush();
    assert.equal(historian.health().written, 8);

    const ask = (payload: unknown) => new Promise<unknown>((resolve, reject) => {
      const out = helper.getNode('out');
      const q = helper.getNode('q');
      out.once('input', (msg: { payload: unknown }) => resolve(msg.payload));
      q.once('call:error', (call: { args: unknown[] }) => reject(call.args[0]));
      q.receive({ payload });
    });
    const range = (await ask({ devices: ['sub-9'], points: ['supply_temp_c'], from: new Date(t0).toISOString(), to: t0 + 3600_000, interval: '15m', agg: 'max' })) as Array<{ rows: Array<{ value: number | null }> }>;
    assert.deepEqual(range[0]!.rows.map((r) => r.value), [62, 65, 67, null]);
    const latest = (await ask({ type: 'latest', devices: ['sub-9'] })) as Array<{ value: number }>;
    assert.equal(latest[0]!.value, 67);
    await assert.rejects(ask({ type: 'nonsense' }), /unknown query type/);
  });
});
