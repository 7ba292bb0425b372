// Map pins, per-user settings and user administration over real HTTP against the real runtime (dist/, demo
// fleet of 3 simulated ECLs): pins with status and alarm priority for the demo fleet; a user's settings round
// trip (a token is refused); users CRUD by an admin with the last admin protected, hashes never answered and
// every change audited; a small fuzz pass over these operations never answers 5xx and changes nothing.
import assert from 'node:assert/strict';
import { startRuntime, login, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { UserService } from '../runtime/auth/users.ts';
import { allOperations } from '../runtime/api/registry.ts';
import { apiCaller, assertError, type Answer, until, sleep } from './support/api-client.ts';

const PASSWORD = 'correct-horse-battery';
const DEVICES = ['sim-0001', 'sim-0002', 'sim-0003'];

let rt: RuntimeProcess;
let admin: string;
let engineer: string;
let viewer: string;
let readToken: string;
let adminToken: string;
const started = Date.now();




const call = apiCaller(() => rt.url);

describe('HTTP API: map pins, user settings, users (real runtime)', function () {
  this.timeout(60_000);

  before(async function () {
    const dataDir = tempDataDir('heatgrid-api-admin-');
    const store = new ConfigStore(dataDir);
    const users = new UserService(store);
    await users.add('admin', PASSWORD, 'admin');
    await users.add('erin', PASSWORD, 'engineer');
    await users.add('vera', PASSWORD, 'viewer');
    store.close();
    rt = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '3', HEATGRID_ADMIN_PASSWORD: PASSWORD });
    [admin, engineer, viewer] = await Promise.all([login(rt.url, 'admin', PASSWORD), login(rt.url, 'erin', PASSWORD), login(rt.url, 'vera', PASSWORD)]);
    readToken = (await call('POST', '/api/v1/tokens', admin, { name: 'reader', scopes: ['read'] })).body.secret;
    adminToken = (await call('POST', '/api/v1/tokens', admin, { name: 'admin-token', scopes: ['admin'] })).body.secret;
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(rt?.output().slice(-4000) ?? '');
    await rt?.stop();
  });

  it('map pins: the demo fleet as 3 pins with positions, status and the highest active alarm priority', async function () {
    const pins = await until('the demo devices to be polled', async () => {
      const a = await call('GET', '/api/v1/map/pins', readToken);
      assert.equal(a.status, 200, a.text);
      return a.body.pins.length === 3 && a.body.pins.every((p: { status: string }) => p.status === 'ok') && a.body.pins;
    });
    assert.deepEqual(pins.map((p: { id: string }) => p.id).sort(), DEVICES);
    for (const p of pins) {
      assert.deepEqual(Object.keys(p).sort(), ['id', 'lat', 'lon', 'name', 'priority', 'status']);
      assert.equal(typeof p.lat, 'number');
      assert.equal(p.priority, null);
    }
    // An alarm rule on one device: its pin turns to alarm with the rule's priority.
    const rule = await call('POST', '/api/v1/alarm-rules', engineer, { id: 'pins-hot', name: 'Pins hot', kind: 'threshold', devices: { device: 'sim-0002' }, point: 'supply_temp_c', condition: { type: 'high', limit: 1 }, priority: 'critical' });
    assert.equal(rule.status, 201, rule.text);
    const alarmed = await until('sim-0002 to be in alarm', async () => {
      const a = await call('GET', '/api/v1/map/pins?devices=sim-0002,sim-0003', viewer);
      return a.body.pins.find((p: { id: string; status: string }) => p.id === 'sim-0002' && p.status === 'alarm') && a.body.pins;
    });
    assert.equal(alarmed.length, 2);
    assert.deepEqual(alarmed.map((p: { id: string; status: string; priority: string | null }) => `${p.id}:${p.status}:${p.priority}`).sort(), ['sim-0002:alarm:critical', 'sim-0003:ok:null']);
    // Filters: a group gives its members; unknown devices are left out; bad input is 400/404.
    const north = (await call('GET', '/api/v1/groups/north/members', viewer)).body.items.map((d: { id: string }) => d.id).sort();
    assert.deepEqual((await call('GET', '/api/v1/map/pins?group=north', viewer)).body.pins.map((p: { id: string }) => p.id).sort(), north);
    assert.deepEqual((await call('GET', '/api/v1/map/pins?devices=no-such', viewer)).body.pins, []);
    assertError(await call('GET', '/api/v1/map/pins?group=no-such', viewer), 404);
    assertError(await call('GET', '/api/v1/map/pins?group=north&devices=sim-0001', viewer), 400, 'invalid_selection');
    assertError(await call('GET', "/api/v1/map/pins?devices=x'%20OR%201=1", viewer), 400, 'invalid_request');
    assertError(await call('GET', '/api/v1/map/pins?bbox=1', viewer), 400, 'invalid_request');
    assertError(await call('GET', '/api/v1/map/pins', null), 401);
    assert.equal((await call('DELETE', '/api/v1/alarm-rules/pins-hot', engineer)).status, 200);
  });

  it('settings: a user saves language, units and portal layout and reads them back; a token gets 403; bad input changes nothing', async function () {
    const initial = await call('GET', '/api/v1/me/settings', viewer);
    assert.equal(initial.status, 200, initial.text);
    assert.deepEqual(initial.body, { language: 'en', units: { temperature: 'C', power: 'kW', energy: 'MWh' }, portal: null, updatedAt: null });
    const layout = { version: 1, widgets: [{ id: 'w-alarms', type: 'alarms', w: 4 }, { id: 'w-minimap', type: 'minimap', w: 12 }] };
    const saved = await call('PUT', '/api/v1/me/settings', viewer, { language: 'de', units: { temperature: 'F' }, portal: layout });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.body.units, { temperature: 'F', power: 'kW', energy: 'MWh' });
    assert.deepEqual(saved.body.portal, layout);
    assert.equal(saved.body.language, 'de');
    // Only the fields sent change.
    const units = await call('PUT', '/api/v1/me/settings', viewer, { units: { energy: 'kWh' } });
    assert.deepEqual(units.body.units, { temperature: 'F', power: 'kW', energy: 'kWh' });
    assert.deepEqual(units.body.portal, layout);
    const back = await call('GET', '/api/v1/me/settings', viewer);
    assert.deepEqual(back.body, units.body);
    // The language is the user's login language.
    const me = await fetch(`${rt.url}/auth/me`, { headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(((await me.json()) as { user: { language: string } }).user.language, 'de');
    // Per user: another user's settings are untouched.
    assert.equal((await call('GET', '/api/v1/me/settings', engineer)).body.portal, null);

    for (const [body, status] of [
      [{ language: 'xx' }, 400],
      [{ units: { temperature: 'K' } }, 400],
      [{ portal: [1, 2] }, 400],
      [{}, 400],
      [{ theme: 'dark' }, 400],
      [{ portal: { blob: 'x'.repeat(70_000) } }, 422],
    ] as Array<[unknown, number]>) {
      assertError(await call('PUT', '/api/v1/me/settings', viewer, body), status);
    }
    assertError(await call('GET', '/api/v1/me/settings', readToken), 403, 'user_session_required');
    assertError(await call('PUT', '/api/v1/me/settings', adminToken, { language: 'en' }), 403, 'user_session_required');
    assert.deepEqual((await call('GET', '/api/v1/me/settings', viewer)).body, back.body, 'nothing changed');
    // portal null = back to the default.
    assert.equal((await call('PUT', '/api/v1/me/settings', viewer, { portal: null })).body.portal, null);
  });

  it('users: an admin lists, creates, changes and removes users; hashes never answered; the last admin is protected; every change audited', async function () {
    const list = await call('GET', '/api/v1/users', admin);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.items.map((u: { username: string }) => u.username), ['admin', 'erin', 'vera']);
    assert.doesNotMatch(list.text, /\$2[aby]\$|hash/i);
    assertError(await call('GET', '/api/v1/users', engineer), 403, 'insufficient_scope');
    assertError(await call('GET', '/api/v1/users', readToken), 403, 'insufficient_scope');

    const created = await call('POST', '/api/v1/users', admin, { username: 'olga', role: 'operator', password: 'a-long-enough-secret' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), '/api/v1/users/olga');
    assert.deepEqual(Object.keys(created.body).sort(), ['createdAt', 'language', 'role', 'updatedAt', 'username']);
    const olga = await login(rt.url, 'olga', 'a-long-enough-secret');
    assert.equal((await call('GET', '/api/v1/me', olga)).body.role, 'operator');

    const before = (await call('GET', '/api/v1/users', admin)).body.items;
    assertError(await call('POST', '/api/v1/users', admin, { username: 'olga', role: 'viewer', password: 'a-long-enough-secret' }), 409, 'user_exists');
    assertError(await call('POST', '/api/v1/users', admin, { username: 'paul', role: 'viewer', password: 'short' }), 422, 'weak_password');
    assertError(await call('POST', '/api/v1/users', admin, { username: 'Paul!', role: 'viewer', password: 'a-long-enough-secret' }), 400, 'invalid_request');
    assertError(await call('POST', '/api/v1/users', admin, { username: 'paul', role: 'root', password: 'a-long-enough-secret' }), 400, 'invalid_request');
    assertError(await call('POST', '/api/v1/users', admin, { username: 'paul', role: 'viewer' }), 400, 'invalid_request');
    assertError(await call('POST', '/api/v1/users', engineer, { username: 'paul', role: 'admin', password: 'a-long-enough-secret' }), 403, 'insufficient_scope');
    assertError(await call('PATCH', '/api/v1/users/olga', admin, {}), 400, 'invalid_request');
    assertError(await call('PATCH', '/api/v1/users/olga', admin, { role: 'admin', password: 'short' }), 422, 'weak_password');
    assertError(await call('PATCH', '/api/v1/users/nobody', admin, { role: 'viewer' }), 404, 'user_not_found');
    assertError(await call('DELETE', '/api/v1/users/nobody', admin), 404, 'user_not_found');
    // The last admin: neither demoted nor removed.
    assertError(await call('PATCH', '/api/v1/users/admin', adminToken, { role: 'engineer' }), 409, 'last_admin');
    assertError(await call('DELETE', '/api/v1/users/admin', adminToken), 409, 'last_admin');
    assert.deepEqual((await call('GET', '/api/v1/users', admin)).body.items, before, 'nothing changed');

    // Role change applies to the user's live session; a new password ends it.
    const promoted = await call('PATCH', '/api/v1/users/olga', admin, { role: 'engineer' });
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.body.role, 'engineer');
    assert.ok((await call('GET', '/api/v1/me', olga)).body.scopes.includes('manage:rules'));
    assert.equal((await call('PATCH', '/api/v1/users/olga', admin, { password: 'another-long-secret' })).status, 200);
    assertError(await call('GET', '/api/v1/me', olga), 401);
    await login(rt.url, 'olga', 'another-long-secret');
    // With a second admin, the first may be demoted (and back).
    assert.equal((await call('PATCH', '/api/v1/users/olga', admin, { role: 'admin' })).status, 200);
    assert.equal((await call('PATCH', '/api/v1/users/admin', adminToken, { role: 'engineer' })).status, 200);
    assert.equal((await call('PATCH', '/api/v1/users/admin', adminToken, { role: 'admin' })).status, 200);
    const removed = await call('DELETE', '/api/v1/users/olga', admin);
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.username, 'olga');
    assert.ok(!(await call('GET', '/api/v1/users', admin)).body.items.some((u: { username: string }) => u.username === 'olga'));

    const period = `from=${encodeURIComponent(new Date(started - 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    const entries = await until('the user changes in the audit log', async () => {
      const a = await call('GET', `/api/v1/audit?${period}&action=user.create,user.update,user.delete`, viewer);
      return a.body.items.some((e: { action: string }) => e.action === 'user.delete') && a.body.items;
    });
    const summary = entries.map((e: { action: string; actor: string; detail: string }) => `${e.action} ${e.actor} ${e.detail}`);
    assert.equal(entries.filter((e: { action: string }) => e.action === 'user.create').length, 1, summary.join('\n'));
    assert.equal(entries.filter((e: { action: string }) => e.action === 'user.update').length, 5, summary.join('\n'));
    assert.equal(entries.filter((e: { action: string }) => e.action === 'user.delete').length, 1, summary.join('\n'));
    assert.ok(summary.some((s: string) => /^user\.update admin olga: role operator → engineer/.test(s)), summary.join('\n'));
    assert.ok(summary.some((s: string) => /^user\.update token:\S+ admin: role admin → engineer/.test(s)), summary.join('\n'));
    assert.ok(summary.some((s: string) => /password changed/.test(s)));
    assert.doesNotMatch(JSON.stringify(entries), /long-enough|another-long/, 'never a password in the audit log');
  });

  it('a fuzz pass of invalid requests over the map, settings, users and reports operations never answers 5xx and changes nothing', async function () {
    const users = (await call('GET', '/api/v1/users', admin)).text;
    const settings = (await call('GET', '/api/v1/me/settings', admin)).text;
    const reports = (await call('GET', '/api/v1/reports', admin)).text;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const junk: unknown[] = [null, true, -1, 1e308, 'x'.repeat(300), "' OR 1=1 --", '../../', [], {}, { $ne: 1 }, { __proto__: { admin: true } }, 'admin', 'viewer', 'short'];
    const ops = allOperations().filter((o) => /^(map|settings|users|reports|reportRuns)\./.test(o.id));
    const failures: string[] = [];
    let sent = 0;
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        [...ops.map((o) => ({ method: o.method, path: o.path, keys: Object.keys(((o.query as any)?.properties ?? {}) as object).concat(Object.keys(((o.body as any)?.properties ?? {}) as object)) })), { method: 'GET', path: '/api/v1/report-runs/:runId/files/:name', keys: [] as string[] }].map(async (op) => {
          const path = op.path.replace(/:(\w+)/g, () => encodeURIComponent(pick(['zz-no-such', "x' OR 1=1", '..%2F..', 'A'.repeat(100), '%', '-', '00000000-0000-0000-0000-000000000000'])) || 'zz');
          const query = new URLSearchParams();
          for (let k = 0; k < Math.floor(random() * 3); k++) query.append(pick([...op.keys, 'bogus']), String(pick(['', '-1', 'true', '[]', 'ö'.repeat(50), '2026-13-45T99:99:99Z', 'a,,b'])));
          const headers: Record<string, string> = { authorization: `Bearer ${pick([admin, adminToken, readToken])}` };
          let body: string | undefined;
          if (op.method !== 'GET' && op.method !== 'DELETE') {
            body = random() < 0.2 ? '{"unterminated": ' : JSON.stringify(random() < 0.4 ? pick(junk) : Object.fromEntries(op.keys.slice(0, 3).map((k) => [k, pick(junk)])));
            headers['content-type'] = 'application/json';
          }
          const res = await fetch(`${rt.url}${path}?${query}`, { method: op.method, headers, ...(body !== undefined ? { body } : {}) });
          const text = await res.text();
          sent++;
          if (res.status >= 500) failures.push(`${op.method} ${path}?${query} → ${res.status} ${text.slice(0, 200)}`);
          if (/\n\s+at /.test(text)) failures.push(`stack trace from ${op.method} ${op.path}`);
        }),
      );
    }
    assert.ok(sent >= 150, `sent ${sent}`);
    assert.deepEqual(failures, []);
    assert.equal((await call('GET', '/api/v1/users', admin)).text, users);
    assert.equal((await call('GET', '/api/v1/me/settings', admin)).text, settings);
    assert.equal((await call('GET', '/api/v1/reports', admin)).text, reports);
  });
});
