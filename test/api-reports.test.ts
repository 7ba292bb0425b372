// The reports API over real HTTP against the real runtime (dist/, demo fleet of 3 simulated ECLs, a day of
// seeded hourly-checkable readings): an engineer creates a definition, runs it, polls the run until it is done,
// downloads the CSV (streamed, attachment) and finds the seeded numbers for every demo device; bad inputs are
// 4xx and change nothing; a read token reads and runs but cannot create; every definition change is audited.
import assert from 'node:assert/strict';
import { startRuntime, login, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { UserService } from '../runtime/auth/users.ts';
import { EmbeddedHistorian } from '../runtime/historian/embedded-historian.ts';
import { apiCaller, assertError, type Answer } from './support/api-client.ts';

const PASSWORD = 'correct-horse-battery';
const HOUR = 3_600_000;
const DEVICES = ['sim-0001', 'sim-0002', 'sim-0003'];
/** The seeded day: 24 whole hours ending two days ago (far from live polling). */
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / HOUR) * HOUR;
const T1 = T0 + 24 * HOUR;

let rt: RuntimeProcess;
let admin: string;
let engineer: string;
let viewer: string;
let reader: { id: string; secret: string };
const started = Date.now();



/** RFC 4180 rows (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

const definition = {
  id: 'seeded-day',
  title: 'Seeded day — supply',
  period: { from: new Date(T0).toISOString(), to: new Date(T1).toISOString() },
  devices: { devices: DEVICES },
  points: [{ key: 'supply_temp_c', aggregation: 'avg' }, { key: 'heat_energy_kwh', aggregation: 'consumption', decimals: 1 }],
  interval: '1h',
  layout: 'table',
  formats: ['csv', 'xlsx'],
  delivery: { store: { retentionDays: 2 } },
};

const call = apiCaller(() => rt.url);

describe('HTTP API: reports (real runtime)', function () {
  this.timeout(60_000);

  before(async function () {
    const dataDir = tempDataDir('heatgrid-api-reports-');
    const store = new ConfigStore(dataDir);
    const users = new UserService(store);
    await users.add('admin', PASSWORD, 'admin');
    await users.add('erin', PASSWORD, 'engineer');
    await users.add('vera', PASSWORD, 'viewer');
    store.close();
    // Per device a constant supply temperature (61, 62, 63 °C) and a meter counting 2 kWh per quarter hour.
    const historian = new EmbeddedHistorian(dataDir);
    await historian.start();
    const samples = [];
    for (const [i, device] of DEVICES.entries()) {
      for (let ts = T0 - HOUR; ts <= T1; ts += HOUR / 4) {
        samples.push({ device, point: 'supply_temp_c', ts, value: 61 + i, quality: 'good' as const });
        samples.push({ device, point: 'heat_energy_kwh', ts, value: 5000 + ((ts - T0 + HOUR) / (HOUR / 4)) * 2, quality: 'good' as const });
      }
    }
    historian.writeSamples(samples);
    await historian.close();
    rt = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '3', HEATGRID_ADMIN_PASSWORD: PASSWORD });
    [admin, engineer, viewer] = await Promise.all([login(rt.url, 'admin', PASSWORD), login(rt.url, 'erin', PASSWORD), login(rt.url, 'vera', PASSWORD)]);
    const t = await call('POST', '/api/v1/tokens', admin, { name: 'report reader', scopes: ['read'] });
    assert.equal(t.status, 201, t.text);
    reader = { id: t.body.token.id, secret: t.body.secret };
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(rt?.output().slice(-4000) ?? '');
    await rt?.stop();
  });

  it('creates a definition, runs it, polls the run until done, downloads the CSV with the seeded numbers for every demo device', async function () {
    const created = await call('POST', '/api/v1/reports', engineer, definition);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), '/api/v1/reports/seeded-day');
    assert.equal(created.body.interval, '1h');
    assert.equal(created.body.points[0].label, 'supply_temp_c (avg)');
    assert.equal(created.body.nextRunAt, null);
    assert.match(created.body.createdAt, /Z$/);
    assert.deepEqual((await call('GET', '/api/v1/reports/seeded-day', reader.secret)).body, created.body);
    assert.ok((await call('GET', '/api/v1/reports', viewer)).body.items.some((d: { id: string }) => d.id === 'seeded-day'));

    // A read token runs it (202 + Location), and polls the run (bounded).
    const run = await call('POST', '/api/v1/reports/seeded-day/run', reader.secret);
    assert.equal(run.status, 202, run.text);
    const location = run.headers.get('location')!;
    assert.equal(location, `/api/v1/report-runs/${run.body.run.id}`);
    assert.ok(['queued', 'running', 'succeeded'].includes(run.body.run.status));
    assert.equal(run.body.run.trigger, 'manual');
    assert.equal(run.body.run.period.from, new Date(T0).toISOString());
    let done: Answer | null = null;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const a = await call('GET', `${location}?wait=10`, reader.secret);
      assert.equal(a.status, 200, a.text);
      if (a.body.status === 'succeeded' || a.body.status === 'failed') {
        done = a;
        break;
      }
    }
    assert.ok(done, 'the run finished within 30 s');
    assert.equal(done.body.status, 'succeeded', done.text);
    assert.deepEqual(done.body.progress, { done: 3, total: 3 });
    assert.deepEqual(done.body.files.map((f: { format: string }) => f.format).sort(), ['csv', 'xlsx']);
    const csvFile = done.body.files.find((f: { format: string }) => f.format === 'csv');
    assert.equal(csvFile.url, `/api/v1/report-runs/${done.body.id}/files/${csvFile.name}`);

    const runs = await call('GET', '/api/v1/report-runs?definition=seeded-day&status=succeeded&limit=5', viewer);
    assert.equal(runs.status, 200, runs.text);
    assert.deepEqual(runs.body.items.map((r: { id: string }) => r.id), [done.body.id]);

    // Download: streamed with its content type, as an attachment, the same bytes as the run says.
    const res = await fetch(`${rt.url}${csvFile.url}`, { headers: { authorization: `Bearer ${reader.secret}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="seeded-day-supply\.csv"/);
    const text = await res.text();
    assert.equal(Buffer.byteLength(text), csvFile.bytes);
    const rows = parseCsv(text);
    const [header, ...body] = rows;
    assert.equal(header!.length, 5, JSON.stringify(header));
    assert.equal(body.length, 3 * 24, `24 hourly rows per device: ${text.slice(0, 400)}`);
    for (const [i, device] of DEVICES.entries()) {
      const mine = body.filter((r) => r[0] === device);
      assert.equal(mine.length, 24, device);
      for (const r of mine) {
        assert.equal(Number(r[3]), 61 + i, `${device} average supply: ${r.join(',')}`);
        assert.equal(Number(r[4]), 8, `${device} 4 quarter hours × 2 kWh: ${r.join(',')}`);
      }
    }
    const xlsx = await fetch(`${rt.url}${done.body.files.find((f: { format: string }) => f.format === 'xlsx').url}`, { headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(xlsx.status, 200);
    assert.equal(xlsx.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');

    // Download refusals: anonymous 401, unknown run 404, unknown file 404, malformed 400 — in the error shape.
    assertError(await call('GET', csvFile.url, null), 401, 'unauthenticated');
    assertError(await call('GET', `/api/v1/report-runs/${crypto.randomUUID()}/files/x.csv`, viewer), 404, 'run_not_found');
    assertError(await call('GET', `/api/v1/report-runs/${done.body.id}/files/other.csv`, viewer), 404, 'file_not_found');
    assertError(await call('GET', `/api/v1/report-runs/${done.body.id}/files/..%2F..%2Fheatgrid.db`, viewer), 400, 'invalid_request');
    assertError(await call('GET', `/api/v1/report-runs/not-a-uuid/files/x.csv`, viewer), 400, 'invalid_request');
    assertError(await call('GET', `/api/v1/report-runs/${crypto.randomUUID()}`, viewer), 404, 'run_not_found');
  });

  it('bad inputs are 4xx and change nothing; a read token cannot create; changes are audited', async function () {
    const before = (await call('GET', '/api/v1/reports', viewer)).body.items;
    const bad: Array<[unknown, number, string]> = [
      [{ ...definition, id: 'x1', interval: '5m' }, 400, 'invalid_request'],
      [{ ...definition, id: 'x2', points: [] }, 400, 'invalid_request'],
      [{ ...definition, id: 'x3', bogus: 1 }, 400, 'invalid_request'],
      [{ ...definition, id: 'x4', schedule: { cron: '61 * * * *' } }, 422, 'invalid_report'],
      [{ ...definition, id: 'x5', period: { from: '2026-13-01', to: '2026-01-01' } }, 422, 'invalid_report'],
      [{ ...definition, id: 'x6', delivery: { email: { to: ['not-an-address'] } } }, 422, 'invalid_report'],
      [{ ...definition, id: 'x7', devices: { group: 'no-such-group' } }, 422, 'invalid_report'],
      [{ ...definition, id: 'x8', devices: { devices: ['sim-0001', 'no-such-device'] } }, 422, 'invalid_report'],
      [{ ...definition }, 409, 'report_exists'],
    ];
    for (const [body, status, code] of bad) assertError(await call('POST', '/api/v1/reports', engineer, body), status, code);
    assertError(await call('POST', '/api/v1/reports', engineer, '{"title": '), 400);
    assertError(await call('POST', '/api/v1/reports', reader.secret, { ...definition, id: 'by-token' }), 403, 'insufficient_scope');
    assertError(await call('POST', '/api/v1/reports', viewer, { ...definition, id: 'by-viewer' }), 403, 'insufficient_scope');
    assertError(await call('PUT', '/api/v1/reports/seeded-day', engineer, { ...definition, id: 'renamed' }), 422, 'invalid_report');
    assertError(await call('PUT', '/api/v1/reports/no-such', engineer, definition), 404, 'report_not_found');
    assertError(await call('DELETE', '/api/v1/reports/seeded-day', reader.secret), 403, 'insufficient_scope');
    assertError(await call('POST', '/api/v1/reports/no-such/run', reader.secret), 404, 'report_not_found');
    assertError(await call('GET', '/api/v1/report-runs?status=done', viewer), 400, 'invalid_request');
    assert.deepEqual((await call('GET', '/api/v1/reports', viewer)).body.items, before, 'nothing changed');

    // A GET body sent back with a change replaces the definition; a schedule gets its next run.
    const current = (await call('GET', '/api/v1/reports/seeded-day', engineer)).body;
    const { nextRunAt: _n, ...input } = current;
    const updated = await call('PUT', '/api/v1/reports/seeded-day', engineer, { ...input, title: 'Seeded day (renamed)', schedule: { cron: '0 6 1 * *' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.title, 'Seeded day (renamed)');
    assert.equal(updated.body.createdAt, current.createdAt);
    assert.ok(Date.parse(updated.body.nextRunAt) > Date.now());

    // One manual run at a time per definition.
    const first = await call('POST', '/api/v1/reports/seeded-day/run', engineer);
    assert.equal(first.status, 202, first.text);
    const second = await call('POST', '/api/v1/reports/seeded-day/run', engineer);
    if (second.status === 409) {
      assertError(second, 409, 'run_in_progress');
      assert.equal(second.headers.get('location'), `/api/v1/report-runs/${first.body.run.id}`);
    } else assert.equal(second.status, 202, 'the first run finished already');
    await call('GET', `/api/v1/report-runs/${first.body.run.id}?wait=20`, engineer);

    const removed = await call('DELETE', '/api/v1/reports/seeded-day', engineer);
    assert.equal(removed.status, 200, removed.text);
    assertError(await call('GET', '/api/v1/reports/seeded-day', viewer), 404, 'report_not_found');
    const runsAfter = await call('GET', '/api/v1/report-runs?definition=seeded-day', viewer);
    assert.ok(runsAfter.body.items.length >= 2, 'past runs stay');

    const period = `from=${encodeURIComponent(new Date(started - 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    let actions: string[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
      const audit = await call('GET', `/api/v1/audit?${period}&action=report.create,report.update,report.delete,report.run`, viewer);
      actions = audit.body.items.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`);
      if (actions.includes('report.delete:erin')) break;
    }
    for (const a of ['report.create:erin', 'report.update:erin', 'report.delete:erin', `report.run:token:${reader.id}`, 'report.run:erin']) assert.ok(actions.includes(a), `${a} in ${actions.join(' ')}`);
    assert.equal(actions.filter((a) => a.startsWith('report.create')).length, 1, 'refused creations are not audited');
  });
});
