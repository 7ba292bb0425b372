// Pure logic of the operator app (dashboards/src/lib) and its catalogues, plus the router that serves it.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { formatReading, fromDisplay, quantityOf, toDisplay, unitLabel, DEFAULT_UNITS } from '../dashboards/src/lib/units.ts';
import { diagramFamily, diagramView, mergeReadings, pipeTone } from '../dashboards/src/lib/diagram.ts';
import { pinStatus, priorityClass, worstStatus } from '../dashboards/src/lib/status.ts';
import { PinIndex } from '../dashboards/src/lib/clusters.ts';
import { addPage, addWidget, configureWidget, defaultBook, parseBook, removePage, renamePage, defaultLayout, moveWidget, parseLayout, removeWidget, resizeWidget, type PortalWidget } from '../dashboards/src/lib/portal-layout.ts';
import { intervalFor, isoWithOffset, periodRange } from '../dashboards/src/lib/periods.ts';
import { isDeviceSort, orderByPoint, rowsOf } from '../dashboards/src/lib/device-table.ts';
import en from '../dashboards/src/locales/en.ts';
import de from '../dashboards/src/locales/de.ts';
import { appContentSecurityPolicy, operatorApp, tileOrigin } from '../runtime/http/operator-app.ts';

const words = { on: 'on', off: 'off', sensorBreak: 'sensor break' };

describe('operator app: units and formatting', () => {
  it('reads the quantity from the point key suffix', () => {
    assert.equal(quantityOf('supply_temp_c'), 'temperature');
    assert.equal(quantityOf('heat_power_kw'), 'power');
    assert.equal(quantityOf('heat_energy_kwh'), 'energy');
    assert.equal(quantityOf('heat_flow_m3h'), 'flow');
    assert.equal(quantityOf('heat_volume_m3'), 'volume');
    assert.equal(quantityOf('valve_m1_opening'), 'percent');
    assert.equal(quantityOf('pump_p1_on'), 'onoff');
  });

  it('converts to the display units and back', () => {
    const prefs = { temperature: 'F', power: 'MW', energy: 'MWh' } as const;
    assert.deepEqual(toDisplay('supply_temp_c', 100, prefs), { value: 212, unit: '°F', digits: 1 });
    assert.equal(toDisplay('heat_power_kw', 1500, prefs).value, 1.5);
    assert.equal(toDisplay('heat_energy_kwh', 36417, prefs).value, 36.417);
    assert.ok(Math.abs(fromDisplay('supply_temp_c', 212, prefs) - 100) < 1e-9);
    assert.equal(fromDisplay('heat_power_kw', 1.5, prefs), 1500);
    assert.equal(unitLabel('heat_energy_kwh', DEFAULT_UNITS), 'MWh');
  });

  it('formats per locale, with a dash for missing values and words for on/off', () => {
    const units = { temperature: 'C', power: 'kW', energy: 'kWh' } as const;
    assert.equal(formatReading('supply_temp_c', 54.25, units, 'en-GB'), '54.3\u00a0°C');
    assert.equal(formatReading('supply_temp_c', 54.25, units, 'de-DE'), '54,3\u00a0°C');
    assert.equal(formatReading('heat_energy_kwh', 1234567, units, 'de-DE'), '1.234.567\u00a0kWh');
    assert.equal(formatReading('heat_power_kw', null, units, 'en-GB'), '—');
    assert.equal(formatReading('heat_power_kw', Number.NaN, units, 'en-GB'), '—');
    assert.equal(formatReading('pump_p1_on', 1, units, 'de-DE', { on: 'ein', off: 'aus' }), 'ein');
  });
});

describe('operator app: substation diagram mapping', () => {
  it('picks the layout family from the ECL application', () => {
    assert.equal(diagramFamily('A230.1'), 'heating');
    assert.equal(diagramFamily('A230'), 'heating');
    assert.equal(diagramFamily('A266.1'), 'heating-dhw');
    assert.equal(diagramFamily('A237.2'), 'heating-dhw');
    assert.equal(diagramFamily('A247.1'), 'heating-dhw');
    assert.equal(diagramFamily(null), 'heating-dhw');
  });

  it('draws DHW places only for DHW applications', () => {
    const heating = diagramView('heating', { readings: {} }, DEFAULT_UNITS, 'en-GB', words).map((s) => s.id);
    const dhw = diagramView('heating-dhw', { readings: {} }, DEFAULT_UNITS, 'en-GB', words).map((s) => s.id);
    assert.ok(!heating.includes('dhwTank') && !heating.includes('pumpDhw'));
    assert.ok(dhw.includes('dhwTank') && dhw.includes('pumpDhw') && dhw.includes('supply'));
  });

  it('maps values, qualities, pumps and the valve', () => {
    const view = diagramView(
      'heating-dhw',
      { readings: { supply_temp_c: 61.04, return_temp_c: 33, pump_p1_on: 1, pump_p2_on: 0, valve_m1_opening: 140, outdoor_temp_c: 4 }, quality: { return_temp_c: 'stale', outdoor_temp_c: 'sensor-break' } },
      DEFAULT_UNITS,
      'en-GB',
      words,
    );
    const slot = (id: string) => view.find((s) => s.id === id)!;
    assert.equal(slot('supply').text, '61.0\u00a0°C');
    assert.equal(slot('supply').state, 'ok');
    assert.equal(slot('return').state, 'stale');
    assert.equal(slot('outdoor').state, 'fault');
    assert.equal(slot('outdoor').text, 'sensor break');
    assert.equal(slot('room').state, 'missing');
    assert.equal(slot('pumpHeating').running, true);
    assert.equal(slot('pumpDhw').running, false);
    assert.equal(slot('valve').opening, 100);
  });

  it('merges live messages into current values and colours pipes by temperature', () => {
    const merged = mergeReadings({ readings: { supply_temp_c: 50, room_temp_c: 20 } }, { readings: { supply_temp_c: 52, pump_p1_on: true, bogus: 'x' }, quality: { supply_temp_c: 'good' } });
    assert.deepEqual(merged.readings, { supply_temp_c: 52, room_temp_c: 20, pump_p1_on: 1 });
    assert.equal(merged.quality!.supply_temp_c, 'good');
    assert.equal(pipeTone(80), 'hot');
    assert.equal(pipeTone(40), 'warm');
    assert.equal(pipeTone(20), 'cool');
    assert.equal(pipeTone(null), 'unknown');
  });
});

describe('operator app: pin status and clusters', () => {
  it('ranks statuses, worst first', () => {
    assert.equal(pinStatus('online', null), 'ok');
    assert.equal(pinStatus('offline', null), 'offline');
    assert.equal(pinStatus('online', 900), 'alarm-high');
    assert.equal(pinStatus('offline', 'low'), 'alarm-low');
    assert.equal(priorityClass(500), 'medium');
    assert.equal(worstStatus('ok', 'offline'), 'offline');
    assert.equal(worstStatus('alarm-low', 'alarm-high'), 'alarm-high');
  });

  it('clusters 10,000 pins quickly and a cluster carries its worst member', () => {
    const pins = Array.from({ length: 10_000 }, (_, i) => ({ id: `d${i}`, name: `D ${i}`, lat: 56 + (i % 100) * 0.003, lon: 10 + Math.floor(i / 100) * 0.004, status: i === 4242 ? ('alarm-high' as const) : ('ok' as const) }));
    const started = performance.now();
    const index = new PinIndex(pins);
    const items = index.items([-180, -85, 180, 85], 8);
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `indexing took ${ms} ms`);
    const total = items.reduce((n, i) => n + (i.kind === 'cluster' ? i.count : 1), 0);
    assert.equal(total, 10_000);
    assert.ok(items.length < 50);
    assert.ok(items.some((i) => i.status === 'alarm-high'));
    assert.ok(index.items([9.99, 55.99, 10.41, 56.31], 18).length > 100);
  });
});

describe('operator app: portal layout and periods', () => {
  it('adds, moves, resizes and removes widgets', () => {
    let layout = defaultLayout('operator');
    assert.equal(layout.widgets[0]!.type, 'alarms');
    layout = addWidget(layout, 'groups', 'g1');
    assert.equal(layout.widgets.at(-1)!.id, 'g1');
    layout = moveWidget(layout, 'g1', -10);
    assert.equal(layout.widgets[0]!.id, 'g1');
    layout = resizeWidget(layout, 'g1', 1);
    assert.equal(layout.widgets[0]!.w, 6);
    layout = removeWidget(layout, 'g1');
    assert.ok(!layout.widgets.some((w) => w.id === 'g1'));
    assert.deepEqual(parseLayout({ version: 1, widgets: [{ id: 'x', type: 'nope', w: 4 }, { id: 'y', type: 'power', w: 4 }] }, 'viewer').widgets.map((w) => w.id), ['y']);
    assert.deepEqual(parseLayout('garbage', 'viewer'), defaultLayout('viewer'));
  });

  it('keeps several portal pages with defaults per role, and reads a version-1 layout as the first page', () => {
    assert.deepEqual(defaultBook('viewer').pages.map((p) => p.preset), ['overview', 'trends']);
    assert.deepEqual(defaultBook('operator').pages.map((p) => p.preset), ['overview', 'alarms', 'trends']);
    assert.deepEqual(defaultBook('admin').pages.map((p) => p.preset), ['overview', 'alarms', 'energy', 'trends']);
    assert.ok(defaultBook('operator').pages[1]!.widgets.some((w) => w.type === 'topAlarms'));
    const v1 = parseBook({ version: 1, widgets: [{ id: 'y', type: 'power', w: 4 }] }, 'admin');
    assert.deepEqual(v1.pages.map((p) => p.widgets.map((w) => w.id)), [['y']]);
    let book = addPage(defaultBook('viewer'), 'p-x', 'Mine');
    book = renamePage(book, 'p-x', 'North');
    assert.deepEqual(parseBook(JSON.parse(JSON.stringify(book)), 'viewer').pages.map((p) => p.title ?? p.preset), ['overview', 'trends', 'North']);
    book = removePage(removePage(removePage(book, 'p-x'), 'p-trends'), 'p-overview');
    assert.equal(book.pages.length, 1, 'the last page stays');
    const trend = configureWidget(addWidget({ widgets: [] as PortalWidget[] }, 'trend', 't1'), 't1', { device: 'd1' });
    assert.deepEqual(trend.widgets[0]!.config, { point: 'supply_temp_c', device: 'd1' });
    assert.deepEqual(parseBook('garbage', 'operator'), defaultBook('operator'));
  });

  it('computes period presets and a readable interval', () => {
    const now = new Date(2026, 2, 15, 12, 30).getTime();
    const today = periodRange('today', now);
    assert.equal(new Date(today.from).getHours(), 0);
    assert.equal(today.to, now);
    assert.equal(periodRange('24h', now).from, now - 86_400_000);
    assert.equal(intervalFor(86_400_000), 'raw');
    assert.equal(intervalFor(7 * 86_400_000), '15m');
    assert.equal(intervalFor(90 * 86_400_000), '1h');
    assert.equal(intervalFor(365 * 86_400_000), '1d');
    assert.match(isoWithOffset(now), /^2026-03-15T12:30:00[+-]\d\d:\d\d$/);
  });
});

describe('operator app: device table', () => {
  it('orders devices by a point with missing values last in both directions, ties by name', () => {
    const devices = [{ id: 'a', name: 'Alpha' }, { id: 'b', name: 'Beta' }, { id: 'c', name: 'Gamma' }, { id: 'd', name: 'Delta' }];
    const values = new Map<string, number | null>([['a', 60], ['b', null], ['c', 45], ['d', 60]]);
    assert.deepEqual(orderByPoint(devices, values, 'asc'), ['c', 'a', 'd', 'b']);
    assert.deepEqual(orderByPoint(devices, values, 'desc'), ['a', 'd', 'c', 'b']);
  });
  it('builds one row per device with its latest values, and knows the server-side sorts', () => {
    const d = (id: string) => ({ id, name: id.toUpperCase(), model: 'ecl-comfort-310', application: 'A266.1', address: '', lat: null, lon: null, tags: [], enabled: true, status: { state: 'online', since: null, lastSuccess: null, lastError: null } });
    const rows = rowsOf([d('x'), d('y')], [{ device: 'x', point: 'supply_temp_c', ts: '', value: 61.5 }, { device: 'x', point: 'heat_power_kw', ts: '', value: null }]);
    assert.deepEqual(rows.map((r) => [r.id, r.values]), [['x', { supply_temp_c: 61.5, heat_power_kw: null }], ['y', {}]]);
    assert.ok(isDeviceSort('name') && isDeviceSort('application') && !isDeviceSort('supply_temp_c'));
  });
});

describe('operator app: catalogues', () => {
  const keys = (o: object, prefix = ''): string[] => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
  it('German has exactly the English keys, none empty', () => {
    assert.deepEqual(keys(de).sort(), keys(en).sort());
    for (const k of keys(de)) assert.ok(k.split('.').reduce((o: any, p) => o[p], de).length > 0, k);
  });
  it('placeholders match between languages', () => {
    const value = (o: object, k: string) => k.split('.').reduce((x: any, p) => x[p], o) as string;
    for (const k of keys(en)) assert.deepEqual((value(de, k).match(/\{\w+\}/g) ?? []).sort(), (value(en, k).match(/\{\w+\}/g) ?? []).sort(), k);
  });
});

describe('operator app: router', () => {
  let url = '';
  let server: import('node:http').Server;
  before(function (done) {
    const dir = mkdtempSync(join(tmpdir(), 'heatgrid-app-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dir, 'assets', 'main-abc.js'), 'console.log(1)');
    const app = express();
    app.use(operatorApp({ dir, tileUrl: 'https://{s}.tile.example.org/{z}/{x}/{y}.png' }));
    app.use((_req, res) => void res.status(418).send('fell through'));
    server = app.listen(0, '127.0.0.1', () => {
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      done();
    });
  });
  after((done) => void server.close(() => done()));

  it('answers HTML navigations with the app and a strict CSP', async () => {
    for (const path of ['/', '/map', '/devices/abc']) {
      const res = await fetch(url + path, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /<title>app/);
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /img-src 'self' data: blob: https:\/\/\*\.tile\.example\.org/);
      assert.ok(!csp.includes('unsafe'));
    }
  });

  it('leaves API, editor, login, health, dashboard and non-HTML requests to the rest of the host', async () => {
    for (const path of ['/api/v1/devices', '/admin', '/auth/me', '/healthz', '/dashboard/x']) {
      assert.equal((await fetch(url + path, { headers: { accept: 'text/html' } })).status, 418, path);
    }
    assert.equal((await fetch(url + '/some-http-in', { headers: { accept: 'application/json' } })).status, 418);
    assert.equal((await fetch(url + '/map', { method: 'POST', headers: { accept: 'text/html' } })).status, 418);
  });

  it('serves hashed assets with long caching and the tile settings', async () => {
    const asset = await fetch(url + '/assets/main-abc.js');
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control')!, /immutable/);
    assert.equal((await fetch(url + '/assets/missing.js')).status, 404);
    const config = (await (await fetch(url + '/app-config.json')).json()) as { tileUrl: string };
    assert.equal(config.tileUrl, 'https://{s}.tile.example.org/{z}/{x}/{y}.png');
  });

  it('derives the tile origin for the CSP', () => {
    assert.equal(tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png'), 'https://tile.openstreetmap.org');
    assert.equal(tileOrigin('https://{s}.tile.example.org/{z}/{x}/{y}.png'), 'https://*.tile.example.org');
    assert.equal(tileOrigin('/tiles/{z}/{x}/{y}.png'), null);
    assert.ok(!appContentSecurityPolicy(null).includes('http'));
  });
});
