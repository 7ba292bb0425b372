// The setpoints API over real HTTP against the real runtime (dist/, demo fleet of 3 simulated ECLs): a
// write:setpoints token changes heat_curve_slope on the demo smart group "north" through a job that reports
// every device, the controllers follow, and every write is in the audit log; single writes answer their
// result; refusals (out of range, read-only, unknown point), offline devices and missing scopes are clear
// 4xx and write nothing.
import assert from 'node:assert/strict';
import { startRuntime, login, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { UserService } from '../runtime/auth/users.ts';
import { apiCaller, assertError, type Answer, sleep } from './support/api-client.ts';

const PASSWORD = 'correct-horse-battery';
const POINT = 'heat_curve_slope';
const DEVICE = 'sim-0001';

let rt: RuntimeProcess;
let admin: string;
let viewer: string;
let operator: string;
let writer: { id: string; secret: string };
const started = Date.now();



async function token(scopes: string[]): Promise<{ id: string; secret: string }> {
  const a = await call('POST', '/api/v1/tokens', admin, { name: `t-${scopes.join('-')}-${Math.random().toString(36).slice(2, 6)}`, scopes });
  assert.equal(a.status, 201, a.text);
  return { id: a.body.token.id, secret: a.body.secret };
}

const period = () => `from=${encodeURIComponent(new Date(started - 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;

/** The controller's current value, read from the controller itself: writing it again answers "unchanged" with it. */
async function controllerValue(device: string, expected: number, auth = writer.secret): Promise<number> {
  const a = await call('POST', '/api/v1/setpoints', auth, { device, point: POINT, value: expected, reason: 'check' });
  assert.equal(a.status, 200, a.text);
  return a.body.oldValue;
}

/** Audit entries of setpoint writes since the test started (the historian flushes every second). */
async function writes(filter: string, complete: (items: any[]) => boolean): Promise<any[]> {
  for (const deadline = Date.now() + 10_000; ; await sleep(300)) {
    const a = await call('GET', `/api/v1/audit?${period()}&action=setpoint.write&${filter}`, viewer);
    assert.equal(a.status, 200, a.text);
    if (complete(a.body.items) || Date.now() > deadline) return a.body.items;
  }
}

const call = apiCaller(() => rt.url);

describe('HTTP API: setpoints (real runtime)', function () {
  this.timeout(90_000);

  before(async function () {
    const dataDir = tempDataDir('heatgrid-api-setpoints-');
    const store = new ConfigStore(dataDir);
    const users = new UserService(store);
    await users.add('admin', PASSWORD, 'admin');
    await users.add('vera', PASSWORD, 'viewer');
    await users.add('otto', PASSWORD, 'operator');
    store.close();
    rt = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '3', HEATGRID_ADMIN_PASSWORD: PASSWORD });
    [admin, viewer, operator] = await Promise.all([login(rt.url, 'admin', PASSWORD), login(rt.url, 'vera', PASSWORD), login(rt.url, 'otto', PASSWORD)]);
    writer = await token(['write:setpoints']);
    // Writes are checked against the device's template, known once the first poll has detected the application.
    for (const deadline = Date.now() + 30_000; ; await sleep(250)) {
      const devices = (await call('GET', '/api/v1/devices?tag=demo', admin)).body.items as Array<{ application: string | null }>;
      if (devices.length === 3 && devices.every((d) => d.application)) break;
      if (Date.now() > deadline) throw new Error(`demo applications not detected: ${JSON.stringify(devices)}`);
    }
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(rt?.output().slice(-4000) ?? '');
    await rt?.stop();
  });

  it('a write:setpoints token changes heat_curve_slope on the smart group north through a job; every device reported, the controllers follow, every write audited', async function () {
    const north = (await call('GET', '/api/v1/groups/north/members', viewer)).body.items.map((d: { id: string }) => d.id) as string[];
    assert.ok(north.length >= 1);
    const value = 2.3;
    const started = await call('POST', '/api/v1/setpoints', writer.secret, { selection: { group: 'north' }, point: POINT, value, reason: 'colder week ahead' });
    assert.equal(started.status, 202, started.text);
    const location = started.headers.get('location')!;
    assert.equal(location, `/api/v1/setpoints/jobs/${started.body.id}`);
    assert.equal(started.body.total, north.length);
    assert.equal(started.body.actor, `token:${writer.id}`);

    const job = await call('GET', `${location}?wait=20`, writer.secret);
    assert.equal(job.status, 200, job.text);
    assert.equal(job.body.state, 'done');
    assert.equal(job.body.completed, north.length);
    assert.deepEqual(job.body.results.map((r: { device: string }) => r.device).sort(), [...north].sort());
    for (const r of job.body.results) {
      assert.equal(r.outcome, 'written', JSON.stringify(r));
      assert.equal(r.readBack, value);
      assert.equal(r.requestedValue, value);
    }
    assert.deepEqual(job.body.counts, { written: north.length, unchanged: 0, refused: 0, failed: 0, offline: 0 });
    assertError(await call('GET', location, viewer), 403, 'insufficient_scope');
    assert.equal((await call('GET', location, operator)).body.state, 'done', 'any caller with write:setpoints can follow a job');

    // The controllers hold the new value: read from each controller again (a write of the same value is "unchanged").
    for (const device of north) {
      const again = await call('POST', '/api/v1/setpoints', writer.secret, { device, point: POINT, value });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.outcome, 'unchanged');
      assert.equal(again.body.oldValue, value);
    }

    // Every attempt is in the audit log, once, with the token as actor.
    const entries = await writes(`actor=token:${writer.id}`, (items) => items.length >= 2 * north.length);
    assert.equal(entries.length, 2 * north.length, JSON.stringify(entries));
    for (const device of north) {
      const mine = entries.filter((e) => e.device === device);
      assert.equal(mine.length, 2);
      assert.ok(mine.every((e) => e.point === POINT && e.newValue === value && e.outcome === 'ok'));
      assert.match(mine.find((e) => e.detail.startsWith('written'))!.detail, /colder week ahead/);
    }
  });

  it('a single write answers its result; out of range, read-only, unknown points are 422 with the code and write nothing', async function () {
    const ok = await call('POST', '/api/v1/setpoints', operator, { device: DEVICE, point: POINT, value: 1.7 });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(['written', 'unchanged'].includes(ok.body.outcome));
    assert.equal(ok.body.readBack, 1.7);
    assert.match(ok.body.ts, /Z$/);

    const out = await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: POINT, value: 9.9 });
    assertError(out, 422, 'out_of_range');
    assert.equal(out.body.error.details[0].outcome, 'refused');
    assert.equal(out.body.error.details[0].device, DEVICE);
    assert.match(out.body.error.message, /0\.1\.\.4/);
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: POINT, value: 1.75 }), 422, 'not_representable');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: 'supply_temp_c', value: 50 }), 422, 'not_writable');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: 'no_such_point', value: 1 }), 422, 'unknown_point');
    // A selection the templates refuse everywhere: 422 at once, no job left writing.
    const everywhere = await call('POST', '/api/v1/setpoints', writer.secret, { selection: { all: true }, point: POINT, value: -5 });
    assertError(everywhere, 422, 'out_of_range');
    assert.equal(everywhere.body.error.details.length, 3);
    // Malformed requests.
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: POINT, value: '1.5' }), 400, 'invalid_request');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: POINT }), 400);
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { point: POINT, value: 1.5 }), 400, 'invalid_selection');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, selection: { all: true }, point: POINT, value: 1.5 }), 400, 'invalid_selection');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { selection: { all: true, group: 'north' }, point: POINT, value: 1.5 }), 422, 'invalid_selection');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { selection: {}, point: POINT, value: 1.5 }), 422, 'invalid_selection');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: DEVICE, point: "x'; DROP TABLE audit_log; --", value: 1 }), 400);
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { device: 'no-such-device', point: POINT, value: 1.5 }), 404, 'device_not_found');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { selection: { group: 'no-such-group' }, point: POINT, value: 1.5 }), 404);
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, { selection: { devices: [DEVICE, 'no-such-device'] }, point: POINT, value: 1.5 }), 404, 'unknown_devices');
    assertError(await call('POST', '/api/v1/setpoints', writer.secret, '{"device": '), 400, 'malformed_json');
    assert.equal(await controllerValue(DEVICE, 1.7), 1.7, 'nothing was written by the refusals');

    const refused = await writes(`device=${DEVICE}`, (items) => items.some((e) => e.newValue === 1.7 && e.detail === 'unchanged; read back 1.7; check'));
    assert.ok(refused.some((e) => e.outcome === 'refused' && e.newValue === 9.9 && /out_of_range/.test(e.detail)), 'the refused attempt is audited');
    assert.ok(refused.some((e) => e.actor === 'otto' && e.newValue === 1.7), 'a user session writes as the user');
  });

  it('a read token and a viewer session get 403 on writes and cancels; jobs unknown to the server are 404', async function () {
    const read = await token(['read']);
    const alarmsOnly = await token(['manage:alarms']);
    assertError(await call('POST', '/api/v1/setpoints', read.secret, { device: DEVICE, point: POINT, value: 3.1 }), 403, 'insufficient_scope');
    assertError(await call('POST', '/api/v1/setpoints', viewer, { device: DEVICE, point: POINT, value: 3.1 }), 403, 'insufficient_scope');
    assertError(await call('POST', '/api/v1/setpoints', alarmsOnly.secret, { selection: { group: 'north' }, point: POINT, value: 3.1 }), 403);
    assertError(await call('POST', '/api/v1/setpoints/jobs/00000000-0000-4000-8000-000000000000/cancel', read.secret), 403);
    assertError(await call('GET', '/api/v1/setpoints/jobs/00000000-0000-4000-8000-000000000000', read.secret), 403);
    assertError(await call('GET', '/api/v1/setpoints/jobs/00000000-0000-4000-8000-000000000000', writer.secret), 404, 'job_not_found');
    assertError(await call('POST', '/api/v1/setpoints/jobs/00000000-0000-4000-8000-000000000000/cancel', writer.secret), 404, 'job_not_found');
    assertError(await call('GET', '/api/v1/setpoints/jobs/not-a-job', writer.secret), 400);
    assertError(await call('GET', '/api/v1/setpoints/jobs/00000000-0000-4000-8000-000000000000?wait=999', writer.secret), 400);
    assert.equal((await writes(`device=${DEVICE}`, () => true)).filter((e) => e.newValue === 3.1).length, 0, 'nothing attempted');
    assert.equal(await controllerValue(DEVICE, 1.7), 1.7, 'the controller kept its value');
  });

  it('an offline device is refused with 409 device_offline and audited; a group write reports each device, offline ones included; a job can be cancelled', async function () {
    const sim = (await call('GET', `/api/v1/devices/${DEVICE}`, admin)).body;
    // A controller nobody answers for: port 1 on localhost refuses connections.
    const dead = await call('POST', '/api/v1/devices', admin, { id: 'dead-ecl', name: 'Dead ECL', model: sim.model, application: sim.application, connection: { kind: 'modbus-tcp', host: '127.0.0.1', port: 1, unitId: 1 }, tags: ['api-test'] });
    assert.equal(dead.status, 201, dead.text);
    try {
      const offline = await call('POST', '/api/v1/setpoints', writer.secret, { device: 'dead-ecl', point: POINT, value: 1.2, reason: 'offline test' });
      assertError(offline, 409, 'device_offline');
      assert.equal(offline.body.error.details[0].outcome, 'offline');
      const audited = await writes('device=dead-ecl', (items) => items.length > 0);
      assert.ok(audited.some((e) => e.outcome === 'offline' && e.newValue === 1.2), JSON.stringify(audited));

      const mixed = await call('POST', '/api/v1/setpoints', writer.secret, { selection: { devices: ['dead-ecl', DEVICE] }, point: POINT, value: 1.8 });
      assert.equal(mixed.status, 202, mixed.text);
      const done = (await call('GET', `${mixed.headers.get('location')}?wait=20`, writer.secret)).body;
      assert.equal(done.state, 'done');
      const outcome = Object.fromEntries(done.results.map((r: { device: string; outcome: string }) => [r.device, r.outcome]));
      assert.deepEqual(outcome, { 'dead-ecl': 'offline', [DEVICE]: 'written' });
      assert.deepEqual(done.counts, { written: 1, unchanged: 0, refused: 0, failed: 0, offline: 1 });

      const all = await call('POST', '/api/v1/setpoints', operator, { selection: { all: true }, point: POINT, value: 1.9 });
      assert.equal(all.status, 202, all.text);
      const cancelled = await call('POST', `/api/v1/setpoints/jobs/${all.body.id}/cancel`, operator);
      assert.equal(cancelled.status, 200, cancelled.text);
      const end = (await call('GET', `/api/v1/setpoints/jobs/${all.body.id}?wait=20`, operator)).body;
      assert.ok(['cancelled', 'done'].includes(end.state), end.state);
      assert.equal(end.results.length, end.total, 'every device has a result, written or cancelled');
      for (const r of end.results) assert.ok(['written', 'unchanged', 'offline'].includes(r.outcome) || r.code === 'cancelled', JSON.stringify(r));
      assert.equal((await call('POST', `/api/v1/setpoints/jobs/${all.body.id}/cancel`, operator)).body.state, end.state, 'cancelling a finished job changes nothing');
    } finally {
      assert.equal((await call('DELETE', '/api/v1/devices/dead-ecl', admin)).status, 200);
    }
  });
});
