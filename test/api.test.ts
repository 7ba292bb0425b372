// The HTTP API over real HTTP against the real runtime (dist/, demo fleet of 3 simulated ECLs): every
// operation's happy path and bad inputs, scopes and roles, tokens, CSV readings, SSE, rate limits, a fuzz
// pass, and the OpenAPI document.
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startRuntime, login, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { UserService } from '../runtime/auth/users.ts';
import { EmbeddedHistorian } from '../runtime/historian/embedded-historian.ts';
import { allOperations } from '../runtime/api/registry.ts';
import { LIVE_LINKS } from '../runtime/api/api-flow.ts';
import { apiCaller, assertError, type Answer } from './support/api-client.ts';

const PASSWORD = 'correct-horse-battery';
const DAY = 86_400_000;
const QUARTER = 900_000;
const DEVICE = 'sim-0001';

let rt: RuntimeProcess;
let admin: string;
let viewer: string;
let operator: string;
/** End of the seeded month of 15-minute readings (a quarter boundary). */
let seededTo: number;



async function token(scopes: string[], name = `t-${scopes.join('-')}-${Math.random().toString(36).slice(2, 6)}`): Promise<{ id: string; secret: string }> {
  const a = await call('POST', '/api/v1/tokens', admin, { name, scopes });
  assert.equal(a.status, 201, a.text);
  return { id: a.body.token.id, secret: a.body.secret };
}

async function deviceCount(): Promise<number> {
  return (await call('GET', '/api/v1/devices?limit=1', admin)).body.total;
}

const call = apiCaller(() => rt.url);

describe('HTTP API /api/v1 (real runtime)', function () {
  this.timeout(120_000);

  before(async function () {
    const dataDir = tempDataDir('heatgrid-api-');
    // Users of every role, and a month of 15-minute readings for one demo device, before the runtime starts.
    const store = new ConfigStore(dataDir);
    const users = new UserService(store);
    await users.add('admin', PASSWORD, 'admin');
    await users.add('vera', PASSWORD, 'viewer');
    await users.add('otto', PASSWORD, 'operator');
    store.close();
    const historian = new EmbeddedHistorian(dataDir);
    await historian.start();
    seededTo = Math.floor((Date.now() - DAY) / QUARTER) * QUARTER;
    const samples = [];
    for (let ts = seededTo - 30 * DAY; ts < seededTo; ts += QUARTER) {
      samples.push({ device: DEVICE, point: 'supply_temp_c', ts, value: 60 + ((ts / QUARTER) % 10), quality: 'good' as const });
      samples.push({ device: DEVICE, point: 'heat_energy_kwh', ts, value: 1000 + (ts - (seededTo - 30 * DAY)) / QUARTER, quality: 'good' as const });
    }
    historian.writeSamples(samples);
    await historian.close();

    rt = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '3', HEATGRID_ADMIN_PASSWORD: PASSWORD });
    admin = await login(rt.url, 'admin', PASSWORD);
    viewer = await login(rt.url, 'vera', PASSWORD);
    operator = await login(rt.url, 'otto', PASSWORD);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(rt?.output().slice(-4000) ?? '');
    await rt?.stop();
  });

  describe('authentication and scopes', function () {
    it('refuses anonymous calls and unknown tokens with 401 in the error shape', async function () {
      assertError(await call('GET', '/api/v1/devices', null), 401, 'unauthenticated');
      assertError(await call('GET', '/api/v1/devices', 'hg_' + 'A'.repeat(43)), 401);
      assertError(await call('GET', '/api/v1/stream?all=true', null), 401);
    });

    it('tells a caller who it is and which scopes it has', async function () {
      const me = await call('GET', '/api/v1/me', viewer);
      assert.deepEqual(me.body, { kind: 'user', actor: 'vera', role: 'viewer', scopes: ['read'] });
      const op = await call('GET', '/api/v1/me', operator);
      assert.deepEqual(op.body.scopes, ['read', 'write:setpoints', 'manage:alarms']);
    });

    it('a viewer session reads but cannot write; nothing changes', async function () {
      const before = await deviceCount();
      assert.equal((await call('GET', '/api/v1/devices', viewer)).status, 200);
      assertError(await call('POST', '/api/v1/devices', viewer, { name: 'Viewer device', connection: { kind: 'modbus-tcp', host: '127.0.0.1', port: 1, unitId: 1 } }), 403, 'insufficient_scope');
      assertError(await call('DELETE', `/api/v1/devices/${DEVICE}`, operator), 403, 'insufficient_scope');
      assertError(await call('GET', '/api/v1/tokens', operator), 403);
      assert.equal(await deviceCount(), before);
    });

    it('a token without the scope gets 403; a revoked token 401; tokens never open /auth or /admin', async function () {
      const read = await token(['read']);
      assert.equal((await call('GET', `/api/v1/devices/${DEVICE}`, read.secret)).status, 200);
      assertError(await call('PATCH', `/api/v1/devices/${DEVICE}`, read.secret, { name: 'Renamed' }), 403, 'insufficient_scope');
      assertError(await call('POST', '/api/v1/tokens', read.secret, { name: 'escalate', scopes: ['admin'] }), 403);
      assert.equal((await call('GET', '/auth/me', read.secret)).status, 401);
      assert.equal((await fetch(`${rt.url}/admin/flows`, { headers: { authorization: `Bearer ${read.secret}` } })).status, 401);
      const list = await call('GET', '/api/v1/tokens', admin);
      const listed = list.body.items.find((t: { id: string }) => t.id === read.id);
      assert.ok(listed.lastUsedAt, 'last use recorded');
      assert.ok(!JSON.stringify(list.body).includes(read.secret), 'secrets are never listed');
      assert.equal((await call('DELETE', `/api/v1/tokens/${read.id}`, admin)).status, 200);
      assertError(await call('GET', '/api/v1/devices', read.secret), 401);
      assertError(await call('DELETE', '/api/v1/tokens/not-a-uuid', admin), 400);
      assertError(await call('DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', admin), 404, 'token_not_found');
      assertError(await call('POST', '/api/v1/tokens', admin, { name: 'x', scopes: ['root'] }), 400);
      assertError(await call('POST', '/api/v1/tokens', admin, { name: 'x', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' }), 422, 'invalid_token_request');
    });

    it('rate-limits per caller with 429 and Retry-After', async function () {
      const t = await token(['read']);
      const answers = await Promise.all(Array.from({ length: 420 }, () => fetch(`${rt.url}/api/v1/me`, { headers: { authorization: `Bearer ${t.secret}` } })));
      const limited = answers.filter((r) => r.status === 429);
      assert.ok(limited.length > 0, 'some requests are limited');
      assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);
      assert.equal(answers.filter((r) => r.status >= 500).length, 0);
      // Another caller is not affected.
      assert.equal((await call('GET', '/api/v1/me', viewer)).status, 200);
    });
  });

  describe('devices', function () {
    it('lists with paging, sort and filters; injection strings are plain text', async function () {
      const page = await call('GET', '/api/v1/devices?limit=2&offset=1&sort=id&order=desc', admin);
      assert.equal(page.status, 200);
      assert.equal(page.body.total, 3);
      assert.deepEqual(page.body.items.map((d: { id: string }) => d.id), ['sim-0002', 'sim-0001']);
      assert.match(page.body.items[0].createdAt, /^\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:\d\d)$/);
      assert.equal((await call('GET', '/api/v1/devices?tag=demo&model=ecl-comfort-310', admin)).status, 200);
      for (const evil of ["' OR 1=1 --", '%', '_', '"); DROP TABLE devices; --', '\u0000', '../../etc/passwd', '<script>alert(1)</script>']) {
        const a = await call('GET', `/api/v1/devices?search=${encodeURIComponent(evil)}`, admin);
        assert.equal(a.status, evil === '\u0000' ? a.status : 200, a.text);
        assert.ok(a.status < 500);
        if (a.status === 200) assert.equal(a.body.total, 0, `search ${JSON.stringify(evil)} matches nothing`);
      }
      assert.equal(await deviceCount(), 3);
      assertError(await call('GET', '/api/v1/devices?sort=name;DROP', admin), 400, 'invalid_request');
      assertError(await call('GET', '/api/v1/devices?limit=100000', admin), 400);
      assertError(await call('GET', '/api/v1/devices?limit=abc', admin), 400);
      assertError(await call('GET', '/api/v1/devices?bogus=1', admin), 400);
      assertError(await call('GET', '/api/v1/devices?search=a&search=b', admin), 400);
      assertError(await call('GET', '/api/v1/devices?group=nope', admin), 404, 'group_not_found');
    });

    it('gets one device; unknown ids are 404, malformed ids 400', async function () {
      const one = await call('GET', `/api/v1/devices/${DEVICE}`, admin);
      assert.equal(one.body.id, DEVICE);
      assert.ok(['online', 'offline', 'unknown'].includes(one.body.status.state));
      assertError(await call('GET', '/api/v1/devices/no-such-device', admin), 404, 'device_not_found');
      assertError(await call('GET', `/api/v1/devices/${encodeURIComponent("x' OR '1'='1")}`, admin), 400);
    });

    it('creates, updates and deletes, auditing each change; bad bodies change nothing', async function () {
      const input = { id: 'api-test-1', name: 'API test 1', connection: { kind: 'modbus-tcp', host: '127.0.0.1', port: 1, unitId: 1 }, tags: ['test'], enabled: false };
      const created = await call('POST', '/api/v1/devices', admin, input);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('location'), '/api/v1/devices/api-test-1');
      assertError(await call('POST', '/api/v1/devices', admin, input), 409, 'device_exists');
      assertError(await call('POST', '/api/v1/devices', admin, { ...input, id: 'api-test-2', connection: { kind: 'modbus-tcp', host: '127.0.0.1', port: 'x', unitId: 1 } }), 400, 'invalid_request');
      assertError(await call('POST', '/api/v1/devices', admin, { ...input, id: 'api-test-2', connection: { kind: 'modbus-tcp', host: '300.1.1.1', port: 70000, unitId: 1 } }), 422, 'invalid_device');
      assertError(await call('POST', '/api/v1/devices', admin, { ...input, id: 'api-test-2', extra: 1 }), 400);
      assertError(await call('POST', '/api/v1/devices', admin, '{"name": '), 400, 'malformed_json');
      assertError(await call('POST', '/api/v1/devices', admin, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
      assertError(await call('POST', '/api/v1/devices', admin, { name: 'x'.repeat(2 * 1024 * 1024) }), 413, 'payload_too_large');
      assertError(await call('POST', '/api/v1/devices', admin, undefined, { 'content-type': 'application/json' }), 400, 'missing_body');
      assertError(await call('POST', '/api/v1/devices', admin, [1, 2]), 400);
      assert.equal((await call('GET', '/api/v1/devices/api-test-2', admin)).status, 404);

      const updated = await call('PATCH', '/api/v1/devices/api-test-1', admin, { name: 'API test one', lat: 56.1, lon: 10.2 });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.name, 'API test one');
      assertError(await call('PATCH', '/api/v1/devices/api-test-1', admin, { id: 'other' }), 400);
      assertError(await call('PATCH', '/api/v1/devices/api-test-1', admin, { lat: 'north' }), 400);
      assertError(await call('PATCH', '/api/v1/devices/api-test-1', admin, {}), 400);
      assertError(await call('PATCH', '/api/v1/devices/nope', admin, { name: 'x' }), 404);
      assert.equal((await call('DELETE', '/api/v1/devices/api-test-1', admin)).status, 200);
      assertError(await call('DELETE', '/api/v1/devices/api-test-1', admin), 404);

      const audit = await call('GET', `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&device=api-test-1`, admin);
      await new Promise((r) => setTimeout(r, 1500)); // the historian flushes every second
      const again = await call('GET', `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&device=api-test-1`, admin);
      assert.equal(audit.status, 200);
      assert.deepEqual(again.body.items.map((e: { action: string }) => e.action).sort(), ['device.create', 'device.delete', 'device.update']);
      assert.ok(again.body.items.every((e: { actor: string }) => e.actor === 'admin'));
    });

    it('imports CSV (text/csv), with a dry run and per-row results', async function () {
      const csvText = 'id,name,host,port,unit_id,tags,enabled\r\ncsv-1,CSV one,127.0.0.1,1,1,test,false\r\ncsv-2,CSV two,not a host!,1,1,test,false\r\n';
      const dry = await call('POST', '/api/v1/devices/import?dryRun=true', admin, csvText, { 'content-type': 'text/csv' });
      assert.equal(dry.status, 200, dry.text);
      assert.equal(dry.body.committed, false);
      assert.equal((await call('GET', '/api/v1/devices/csv-1', admin)).status, 404);
      const real = await call('POST', '/api/v1/devices/import', admin, csvText, { 'content-type': 'text/csv; charset=utf-8' });
      assert.equal(real.body.created, 1);
      assert.equal(real.body.failed, 1);
      assert.equal(real.body.rows[1].line, 3);
      assertError(await call('POST', '/api/v1/devices/import', admin, { csv: csvText }), 415);
      assertError(await call('POST', '/api/v1/devices/import', admin, 'bogus;header\r\n1;2\r\n', { 'content-type': 'text/csv' }), 422, 'invalid_csv');
      assertError(await call('POST', '/api/v1/devices/import?upsert=maybe', admin, csvText, { 'content-type': 'text/csv' }), 400);
      assert.equal((await call('DELETE', '/api/v1/devices/csv-1', admin)).status, 200);
    });

    it('detects the application of a simulated ECL', async function () {
      const a = await call('POST', `/api/v1/devices/${DEVICE}/detect-application`, admin);
      assert.equal(a.status, 200, a.text);
      assert.match(a.body.application, /^A\d{3}(\.\d+)?$/);
      assertError(await call('POST', '/api/v1/devices/nope/detect-application', admin), 404);
      assertError(await call('POST', `/api/v1/devices/${DEVICE}/detect-application`, viewer), 403);
    });
  });

  describe('smart groups and templates', function () {
    it('group CRUD, members and preview', async function () {
      const created = await call('POST', '/api/v1/groups', admin, { id: 'api-group', name: 'API group', filter: { name: 'Marselis*' } });
      assert.equal(created.status, 201, created.text);
      const members = await call('GET', '/api/v1/groups/api-group/members', viewer);
      assert.equal(members.status, 200);
      assert.equal(members.body.total, created.body.memberCount);
      assert.equal((await call('GET', '/api/v1/groups', viewer)).body.items.some((g: { id: string }) => g.id === 'api-group'), true);
      assert.equal((await call('PATCH', '/api/v1/groups/api-group', admin, { filter: { tags: ['demo'] } })).body.memberCount, 3);
      assert.equal((await call('GET', '/api/v1/devices?group=api-group&limit=2', admin)).body.total, 3);
      assert.equal((await call('POST', '/api/v1/groups/preview', viewer, { filter: { tags: ['nothing-like-this'] } })).body.total, 0);
      assertError(await call('POST', '/api/v1/groups', admin, { id: 'api-group', name: 'again', filter: { name: 'x' } }), 409);
      assertError(await call('POST', '/api/v1/groups', admin, { name: 'bad', filter: { bbox: { minLat: 100, minLon: 0, maxLat: 0, maxLon: 0 } } }), 400);
      assertError(await call('POST', '/api/v1/groups', admin, { name: 'bad', filter: { include: ['no-such-device'] } }), 422);
      assertError(await call('POST', '/api/v1/groups', viewer, { name: 'viewer group', filter: {} }), 403);
      assert.equal((await call('DELETE', '/api/v1/groups/api-group', admin)).status, 200);
      assertError(await call('GET', '/api/v1/groups/api-group', admin), 404, 'group_not_found');
    });

    it('templates: list, get (id with / encoded), add a user template', async function () {
      const list = await call('GET', '/api/v1/templates?source=builtin', viewer);
      assert.ok(list.body.items.length > 0);
      const id = list.body.items[0].id as string;
      const one = await call('GET', `/api/v1/templates/${encodeURIComponent(id)}`, viewer);
      assert.equal(one.status, 200, one.text);
      assert.ok(one.body.points.length > 0);
      const template = { id: 'acme/meter-1', name: 'ACME meter', models: ['acme-meter'], protocol: 'modbus-tcp', points: [{ key: 'heat_energy_kwh', label: 'Energy', register: 0, read: 'holding', type: 'uint32', scale: 1, unit: 'kWh', access: 'r', kind: 'counter', cadence: 'live' }] };
      const created = await call('POST', '/api/v1/templates', admin, template);
      assert.equal(created.status, 201, created.text);
      assertError(await call('POST', '/api/v1/templates', admin, template), 409);
      assertError(await call('POST', '/api/v1/templates', admin, { ...template, id: 'acme/meter-2', points: [template.points[0], { ...template.points[0], key: 'other_kwh' }] }), 422, 'invalid_template');
      assertError(await call('POST', '/api/v1/templates', admin, { ...template, id: id }), 400); // built-in ids (upper case) are not user template ids
      assertError(await call('GET', '/api/v1/templates/nope-nope', admin), 404);
    });
  });

  describe('readings, audit and health', function () {
    it('a read token pulls a month of 15-minute readings of a device as CSV', async function () {
      const read = await token(['read']);
      const from = new Date(seededTo - 30 * DAY).toISOString();
      const to = new Date(seededTo).toISOString();
      const res = await fetch(`${rt.url}/api/v1/devices/${DEVICE}/readings?points=supply_temp_c,heat_energy_kwh&from=${from}&to=${to}&interval=15m`, {
        headers: { authorization: `Bearer ${read.secret}`, accept: 'text/csv' },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename=".*\.csv"/);
      const lines = (await res.text()).trimEnd().split('\r\n');
      assert.equal(lines[0], 'ts,supply_temp_c,heat_energy_kwh');
      assert.equal(lines.length, 1 + 30 * 96);
      assert.match(lines[1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z,\d+(\.\d+)?,1000$/);
      const viaQuery = await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=${from}&to=${to}&interval=1d&agg=max&format=csv`, read.secret);
      assert.ok([31, 32].includes(viaQuery.text.trimEnd().split('\r\n').length), 'header + 30 or 31 (partial) days');
    });

    it('history as JSON; bad periods and points are 4xx', async function () {
      const from = new Date(seededTo - DAY).toISOString();
      const to = new Date(seededTo).toISOString();
      const a = await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=${from}&to=${to}&interval=1h&agg=avg`, viewer);
      assert.equal(a.status, 200, a.text);
      assert.ok([24, 25].includes(a.body.series[0].rows.length), 'hours of one day (partial hours at the ends)');
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=${to}&to=${from}`, viewer), 400);
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=yesterday&to=${to}`, viewer), 400);
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=2026-01-01T00:00:00&to=${to}`, viewer), 400);
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=DROP%20TABLE&from=${from}&to=${to}`, viewer), 400);
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=${from}&to=${to}&interval=5m`, viewer), 400);
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=1900-01-01T00:00:00Z&to=${to}&interval=15m`, viewer), 422, 'period_too_long');
      assertError(await call('GET', `/api/v1/devices/${DEVICE}/readings?points=supply_temp_c&from=${from}&to=${to}&tz=Mars/Olympus`, viewer), 422);
      assertError(await call('GET', `/api/v1/devices/nope/readings?points=supply_temp_c&from=${from}&to=${to}`, viewer), 404);
    });

    it('latest values of a selection, and consumption per day', async function () {
      const latest = await call('GET', `/api/v1/readings/latest?devices=${DEVICE}&points=supply_temp_c`, viewer);
      assert.equal(latest.status, 200, latest.text);
      assert.equal(latest.body.items[0].device, DEVICE);
      assert.equal((await call('GET', '/api/v1/readings/latest?group=north', viewer)).status, 200);
      assertError(await call('GET', '/api/v1/readings/latest', viewer), 400, 'invalid_selection');
      assertError(await call('GET', '/api/v1/readings/latest?devices=a&group=b', viewer), 400);
      assertError(await call('GET', '/api/v1/readings/latest?devices=no-such-device', viewer), 404, 'unknown_devices');
      const from = new Date(seededTo - 3 * DAY).toISOString();
      const to = new Date(seededTo).toISOString();
      const c = await call('GET', `/api/v1/readings/consumption?devices=${DEVICE}&points=heat_energy_kwh&from=${from}&to=${to}`, viewer);
      assert.equal(c.status, 200, c.text);
      assert.ok(Math.abs(c.body.items[0].total - 3 * 96) <= 1, `3 days of one kWh per quarter: ${c.body.items[0].total}`);
      const daily = await call('GET', `/api/v1/readings/consumption?group=north&from=${from}&to=${to}&interval=1d&tz=Europe/Copenhagen`, viewer);
      assert.equal(daily.status, 200, daily.text);
      assertError(await call('GET', `/api/v1/readings/consumption?devices=${DEVICE}&from=${from}&to=${to}&interval=raw`, viewer), 400);
    });

    it('health answers through the API', async function () {
      const h = await call('GET', '/api/v1/health', viewer);
      assert.ok([200, 503].includes(h.status));
      assert.ok(h.body.sections.storage);
    });

    it('audit log as CSV names token changes and their admin', async function () {
      await new Promise((r) => setTimeout(r, 1200));
      const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
      const to = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
      const a = await call('GET', `/api/v1/audit?from=${from}&to=${to}&action=token.create,token.revoke&format=csv`, viewer);
      assert.equal(a.status, 200);
      const lines = a.text.trimEnd().split('\r\n');
      assert.equal(lines[0], 'ts,actor,action,device,point,oldValue,newValue,outcome,detail');
      assert.ok(lines.some((l) => l.includes(',admin,token.revoke,')));
      assertError(await call('GET', `/api/v1/audit?from=${from}`, viewer), 400);
    });
  });

  describe('live stream (SSE)', function () {
    before(async function () {
      // The fleet flow's link-outs must list the API flow's link-ins; add them if the shipped flow lacks them.
      const res = await fetch(`${rt.url}/admin/flows`, { headers: { authorization: `Bearer ${admin}` } });
      const flows = (await res.json()) as Array<{ id: string; links?: string[] }>;
      let changed = false;
      for (const link of Object.values(LIVE_LINKS)) {
        const out = link.out && flows.find((n) => n.id === link.out);
        if (out && !out.links!.includes(link.in)) {
          out.links!.push(link.in);
          changed = true;
        }
      }
      if (changed) {
        const deploy = await fetch(`${rt.url}/admin/flows`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
        assert.equal(deploy.status, 204, await deploy.text());
        // A full deploy restarts every flow: wait until the HTTP-in endpoints answer again.
        for (let t = Date.now(); Date.now() - t < 15_000; await new Promise((r) => setTimeout(r, 200))) {
          if ((await call('GET', '/api/v1/me', admin)).status === 200) break;
        }
      }
    });

    it('delivers readings of a subscribed device and nothing of others', async function () {
      const read = await token(['read']);
      const controller = new AbortController();
      const res = await fetch(`${rt.url}/api/v1/stream?devices=${DEVICE}&types=readings&heartbeat=1`, { headers: { authorization: `Bearer ${read.secret}` }, signal: controller.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const events: Array<{ event: string; data: any }> = [];
      const deadline = Date.now() + 30_000;
      let heartbeats = 0;
      while (Date.now() < deadline && !events.some((e) => e.event === 'readings')) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (block.startsWith(':')) heartbeats++;
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
      controller.abort();
      assert.equal(events[0]?.event, 'hello');
      const readings = events.filter((e) => e.event === 'readings');
      assert.ok(readings.length > 0, `a reading within 30 s (events: ${events.map((e) => e.event).join(',')})`);
      assert.ok(readings.every((e) => e.data.device.id === DEVICE), 'only the subscribed device');
      assert.match(readings[0]!.data.ts, /Z$/);
      assert.equal(typeof readings[0]!.data.readings, 'object');
    });

    it('refuses bad stream queries with 4xx', async function () {
      assertError(await call('GET', '/api/v1/stream?types=everything&all=true', viewer), 400);
      assertError(await call('GET', '/api/v1/stream', viewer), 400, 'invalid_selection');
      assertError(await call('GET', '/api/v1/stream?devices=no-such-device', viewer), 404);
      assertError(await call('GET', '/api/v1/stream?all=true&x=1', viewer), 400);
    });
  });

  describe('contract', function () {
    it('serves a valid OpenAPI 3.1 document covering every operation, and a docs page', async function () {
      const doc = await call('GET', '/api/v1/openapi.json', viewer);
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.1.0');
      const result = await new Validator().validate(doc.body);
      assert.equal(result.valid, true, String(JSON.stringify(result.errors)).slice(0, 2000));
      const ids = Object.values(doc.body.paths).flatMap((p: any) => Object.values(p).map((o: any) => o.operationId));
      assert.deepEqual(ids.sort(), allOperations().map((o) => o.id).sort());
      const page = await fetch(`${rt.url}/api/v1/docs`, { headers: { authorization: `Bearer ${admin}` } });
      assert.match(await page.text(), /<script src="docs.js"><\/script>/);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal((await fetch(`${rt.url}/api/v1/docs.js`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
    });

    it('a fuzz pass of generated invalid requests over every operation never yields a 5xx and changes nothing', async function () {
      const before = (await call('GET', '/api/v1/devices?limit=1000', admin)).body.items.map((d: { id: string; updatedAt: string }) => `${d.id}@${d.updatedAt}`).sort();
      const groupsBefore = (await call('GET', '/api/v1/groups', admin)).body.items.length;
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const junk: unknown[] = [null, true, -1, 1e308, 'x'.repeat(300), "' OR 1=1 --", '../../', '<svg onload=1>', [], [[]], {}, { $ne: 1 }, '\u202e', 'NaN', '-0', '9'.repeat(40), { __proto__: { admin: true } }, { constructor: { prototype: { x: 1 } } }];
      const junkText = (): string => String(pick(['', "' OR '1'='1", '%00', '../etc', 'a,b,,', '-1', '1e9', 'true', 'null', '[]', '{}', 'ö'.repeat(80), '2026-13-45T99:99:99Z', '%E0%A4%A']));
      const token = (await call('POST', '/api/v1/tokens', admin, { name: 'fuzz', scopes: ['admin'] })).body.secret as string;
      const failures: string[] = [];
      let sent = 0;
      const ops = allOperations().filter((o) => !(o.id === 'tokens.create' || o.id === 'tokens.revoke'));
      for (let round = 0; round < 12; round++) {
        await Promise.all(
          ops.map(async (op) => {
            // Path: a junk id (never an existing device, so a DELETE cannot remove one).
            const path = op.path.replace(/:(\w+)/g, () => encodeURIComponent(pick(['zz-no-such', "x' OR 1=1", '..%2F..', 'A'.repeat(100), '%', '-', ''])) || 'zz');
            const query = new URLSearchParams();
            const keys = Object.keys(((op.query as any)?.properties ?? {}) as object).concat(['bogus', '__proto__']);
            for (let k = 0; k < 1 + Math.floor(random() * 4); k++) query.append(pick(keys), junkText());
            let body: string | undefined;
            const headers: Record<string, string> = { authorization: `Bearer ${token}` };
            if (op.method !== 'GET') {
              const kind = random();
              if (kind < 0.2) body = '{"unterminated": ';
              else if (kind < 0.3) {
                body = 'a,b\n"unclosed';
                headers['content-type'] = pick(['text/csv', 'application/xml', 'image/png']);
              } else body = JSON.stringify(random() < 0.5 ? pick(junk) : Object.fromEntries(keys.slice(0, 3).map((k) => [k, pick(junk)])));
              headers['content-type'] ??= 'application/json';
            }
            const res = await fetch(`${rt.url}${path}?${query}`, { method: op.method, headers, ...(body !== undefined ? { body } : {}) });
            const text = await res.text();
            sent++;
            if (res.status >= 500 && !(op.id === 'health.get' && res.status === 503)) failures.push(`${op.method} ${path}?${query} → ${res.status} ${text.slice(0, 200)}`);
            if (/\n\s+at /.test(text)) failures.push(`stack trace from ${op.id}`);
          }),
        );
      }
      assert.ok(sent >= 250, `sent ${sent}`);
      assert.deepEqual(failures, []);
      const after = (await call('GET', '/api/v1/devices?limit=1000', admin)).body.items.map((d: { id: string; updatedAt: string }) => `${d.id}@${d.updatedAt}`).sort();
      assert.deepEqual(after.filter((d: string) => !d.startsWith('sim-')), before.filter((d: string) => !d.startsWith('sim-')));
      assert.deepEqual(after.map((d: string) => d.split('@')[0]), before.map((d: string) => d.split('@')[0]));
      assert.equal((await call('GET', '/api/v1/groups', admin)).body.items.length, groupsBefore);
    });
  });
});
