// The alarms API over real HTTP against the real runtime (dist/, demo fleet of 3 simulated ECLs): a threshold
// rule created through the API raises alarms on the demo fleet, which are acknowledged, shelved and unshelved
// by callers with manage:alarms and land in the journal (JSON and CSV) and the load figures; rules CRUD with
// bad inputs answering 4xx and changing nothing; scopes.
import assert from 'node:assert/strict';
import { startRuntime, login, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { UserService } from '../runtime/auth/users.ts';
import { apiCaller, assertError, type Answer, until, sleep } from './support/api-client.ts';

const PASSWORD = 'correct-horse-battery';

let rt: RuntimeProcess;
let admin: string;
let viewer: string;
let operator: string;
let engineer: string;
const started = Date.now();



async function token(scopes: string[]): Promise<{ id: string; secret: string }> {
  const a = await call('POST', '/api/v1/tokens', admin, { name: `t-${scopes.join('-')}-${Math.random().toString(36).slice(2, 6)}`, scopes });
  assert.equal(a.status, 201, a.text);
  return { id: a.body.token.id, secret: a.body.secret };
}

const period = () => `from=${encodeURIComponent(new Date(started - 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;

/** Polls `probe` until it returns a value (bounded). */

const call = apiCaller(() => rt.url);

describe('HTTP API: alarms and alarm rules (real runtime)', function () {
  this.timeout(90_000);

  before(async function () {
    const dataDir = tempDataDir('heatgrid-api-alarms-');
    const store = new ConfigStore(dataDir);
    const users = new UserService(store);
    await users.add('admin', PASSWORD, 'admin');
    await users.add('vera', PASSWORD, 'viewer');
    await users.add('otto', PASSWORD, 'operator');
    await users.add('erik', PASSWORD, 'engineer');
    store.close();
    rt = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '3', HEATGRID_ADMIN_PASSWORD: PASSWORD });
    [admin, viewer, operator, engineer] = await Promise.all([login(rt.url, 'admin', PASSWORD), login(rt.url, 'vera', PASSWORD), login(rt.url, 'otto', PASSWORD), login(rt.url, 'erik', PASSWORD)]);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(rt?.output().slice(-4000) ?? '');
    await rt?.stop();
  });

  it('an alarm raised on the demo fleet by an API rule is acknowledged, shelved and unshelved over HTTP; the journal has every step', async function () {
    const north = (await call('GET', '/api/v1/groups/north/members', viewer)).body.items.map((d: { id: string }) => d.id) as string[];
    assert.ok(north.length > 0, 'the demo group north has members');
    // Every demo substation supplies water warmer than 1 °C: the rule's limit is crossed at the next poll.
    const created = await call('POST', '/api/v1/alarm-rules', engineer, { id: 'api-hot', name: 'API hot supply', kind: 'threshold', devices: { group: 'north' }, point: 'supply_temp_c', condition: { type: 'high', limit: 1 }, priority: 'high' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), '/api/v1/alarm-rules/api-hot');
    assert.equal(created.body.enabled, true);

    const active = await until('the rule to raise alarms on every member of north', async () => {
      const a = await call('GET', '/api/v1/alarms?rule=api-hot&state=active', viewer);
      assert.equal(a.status, 200, a.text);
      return a.body.total === north.length ? a.body : null;
    }, 30_000);
    assert.deepEqual(active.items.map((a: { device: string }) => a.device).sort(), [...north].sort());
    const alarm = active.items[0];
    assert.equal(alarm.id, `api-hot:${alarm.device}`);
    assert.equal(alarm.state, 'active-unacknowledged');
    assert.equal(alarm.priority, 'high');
    assert.ok(alarm.value > 1);
    assert.match(alarm.activeSince, /Z$/);
    const path = `/api/v1/alarms/${encodeURIComponent(alarm.id)}`;
    assert.equal((await call('GET', path, viewer)).body.id, alarm.id);
    assert.equal((await call('GET', `/api/v1/alarms?devices=${alarm.device}&priority=high,critical&kind=threshold`, viewer)).body.items.some((a: { id: string }) => a.id === alarm.id), true);
    assert.equal((await call('GET', '/api/v1/alarms?group=north&priority=low', viewer)).body.items.some((a: { ruleId: string }) => a.ruleId === 'api-hot'), false);

    // Without manage:alarms: 403, and the alarm stays unacknowledged.
    const read = await token(['read']);
    assertError(await call('POST', `${path}/ack`, read.secret, { comment: 'no' }), 403, 'insufficient_scope');
    assertError(await call('POST', `${path}/ack`, viewer, {}), 403, 'insufficient_scope');
    assertError(await call('POST', `${path}/shelve`, read.secret, { comment: 'no', durationS: 60 }), 403);
    assert.equal((await call('GET', path, viewer)).body.state, 'active-unacknowledged');

    // Acknowledge with a comment (the operator session is the user).
    const acked = await call('POST', `${path}/ack`, operator, { comment: 'technician on the way' });
    assert.equal(acked.status, 200, acked.text);
    assert.equal(acked.body.state, 'active-acknowledged');
    assert.equal(acked.body.ack.by, 'otto');
    assert.equal(acked.body.ack.comment, 'technician on the way');
    assertError(await call('POST', `${path}/ack`, operator, {}), 409, 'invalid_transition');
    assertError(await call('POST', `${path}/ack`, operator, { comment: 5 }), 400, 'invalid_request');
    assertError(await call('POST', `${path}/ack`, operator), 400, 'missing_body');

    // Shelve: a reason is required, and durationS or until (at most 7 days).
    assertError(await call('POST', `${path}/shelve`, operator, { durationS: 3600 }), 400);
    assertError(await call('POST', `${path}/shelve`, operator, { comment: '', durationS: 3600 }), 400);
    assertError(await call('POST', `${path}/shelve`, operator, { comment: 'x' }), 400, 'invalid_request');
    assertError(await call('POST', `${path}/shelve`, operator, { comment: 'x', durationS: 60, until: new Date(Date.now() + 60_000).toISOString() }), 400);
    assertError(await call('POST', `${path}/shelve`, operator, { comment: 'x', until: new Date(Date.now() + 30 * 86_400_000).toISOString() }), 400, 'invalid_request');
    assertError(await call('POST', `${path}/shelve`, operator, { comment: 'x', until: new Date(Date.now() - 60_000).toISOString() }), 400, 'invalid_request');
    assert.equal((await call('GET', path, viewer)).body.shelved, null, 'refused shelves changed nothing');
    const token2 = await token(['manage:alarms']);
    const shelved = await call('POST', `${path}/shelve`, token2.secret, { comment: 'valve replaced tomorrow', durationS: 3600 });
    assert.equal(shelved.status, 200, shelved.text);
    assert.equal(shelved.body.displayState, 'shelved');
    assert.equal(shelved.body.shelved.by, `token:${token2.id}`);
    assert.ok(Math.abs(Date.parse(shelved.body.shelved.until) - Date.now() - 3_600_000) < 60_000);
    assert.equal((await call('GET', '/api/v1/alarms?state=shelved&rule=api-hot', viewer)).body.total, 1);
    const unshelved = await call('POST', `${path}/unshelve`, operator, { comment: 'back on watch' });
    assert.equal(unshelved.status, 200, unshelved.text);
    assert.equal(unshelved.body.displayState, 'active-acknowledged');
    assertError(await call('POST', `${path}/unshelve`, operator, {}), 409, 'invalid_transition');

    // Unknown and malformed alarm ids.
    assertError(await call('POST', '/api/v1/alarms/api-hot:no-such-device/ack', operator, {}), 404, 'alarm_not_found');
    assertError(await call('GET', `/api/v1/alarms/${encodeURIComponent("x' OR 1=1")}`, viewer), 400);
    assertError(await call('GET', '/api/v1/alarms?state=burning', viewer), 400);
    assertError(await call('GET', '/api/v1/alarms?devices=a&group=north', viewer), 400);
    assertError(await call('GET', '/api/v1/alarms?group=nope', viewer), 404);

    // The journal (the historian flushes every second): raised → acknowledged (who, why) → shelved → unshelved.
    const steps = await until('the journal to hold the four steps', async () => {
      const j = await call('GET', `/api/v1/alarm-journal?${period()}&alarm=${encodeURIComponent(alarm.id)}`, read.secret);
      assert.equal(j.status, 200, j.text);
      return j.body.items.length >= 4 ? j.body.items : null;
    }, 10_000);
    assert.deepEqual(steps.slice(0, 4).map((e: { stateTo: string }) => e.stateTo), ['active-unacknowledged', 'active-acknowledged', 'shelved', 'active-acknowledged']);
    assert.deepEqual(steps.slice(0, 4).map((e: { user: string | null }) => e.user), ['system', 'otto', `token:${token2.id}`, 'otto']);
    assert.equal(steps[1].comment, 'technician on the way');
    assert.match(steps[2].comment, /^valve replaced tomorrow \(until /);
    assert.equal(steps[0].priority, 'high');
    const csv = await call('GET', `/api/v1/alarm-journal?${period()}&rule=api-hot&format=csv`, viewer);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'ts,alarmId,ruleId,device,point,stateFrom,stateTo,priority,value,limit,user,comment');
    assert.ok(lines.some((l) => l.includes(',otto,technician on the way')));
    const limited = await call('GET', `/api/v1/alarm-journal?${period()}&rule=api-hot&limit=1`, viewer);
    assert.equal(limited.body.items.length, 1);
    assert.equal(limited.body.truncated, true);
    assertError(await call('GET', `/api/v1/alarm-journal?from=${encodeURIComponent(new Date().toISOString())}`, viewer), 400);
    assertError(await call('GET', `/api/v1/alarm-journal?${period()}&rule=${encodeURIComponent("'; DROP TABLE alarm_journal; --")}`, viewer), 400);

    // Load figures of the period count the annunciations.
    const load = await call('GET', `/api/v1/alarm-load?${period()}`, viewer);
    assert.equal(load.status, 200, load.text);
    assert.ok(load.body.alarms >= north.length, `${load.body.alarms} alarms`);
    assert.ok(load.body.top.some((t: { alarmId: string }) => t.alarmId === alarm.id));
    assert.ok(load.body.priorities.high >= north.length);
    assertError(await call('GET', '/api/v1/alarm-load?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z', viewer), 422, 'period_too_long');

    // Deleting the rule ends its alarms; the journal keeps them.
    assert.equal((await call('DELETE', '/api/v1/alarm-rules/api-hot', engineer)).status, 200);
    assert.equal((await call('GET', '/api/v1/alarms?rule=api-hot', viewer)).body.total, 0);
  });

  it('alarm rules CRUD: bad inputs answer 4xx and change nothing; scopes; every change audited', async function () {
    const rules = async () => (await call('GET', '/api/v1/alarm-rules', viewer)).body.items as Array<{ id: string; updatedAt: string }>;
    const baseline = await rules();
    assert.ok(baseline.some((r) => r.id === 'offline'), 'the default offline rule is listed');
    assert.equal((await call('GET', '/api/v1/alarm-rules?kind=offline', viewer)).body.items.every((r: { kind: string }) => r.kind === 'offline'), true);
    const good = { id: 'api-cold', name: 'Cold return', kind: 'threshold', devices: { all: true }, point: 'return_temp_c', condition: { type: 'low', limit: -50 }, deadband: 1, onDelayS: 60, receivers: [{ email: 'olga@utility.example', language: 'da' }] };

    // Shape errors (400) and domain refusals (422).
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, condition: { type: 'low', limit: 'cold' } }), 400, 'invalid_request');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, colour: 'red' }), 400);
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, kind: 'psychic' }), 400);
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, id: 'Bad Id' }), 400);
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, point: "x'; DROP TABLE rules; --" }), 400);
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, '{"name": '), 400, 'malformed_json');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, numbers: [1] }), 422, 'invalid_rule');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, condition: { type: 'band', low: 70, high: 60 } }), 422, 'invalid_rule');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, condition: { type: 'band', low: 60, high: 62 }, deadband: 1 }), 422, 'invalid_rule');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, onDelayS: 30 * 86_400 }), 422, 'invalid_rule');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, schedule: { days: [1], from: '25:00', to: '06:00' } }), 422, 'invalid_rule');
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, { ...good, receivers: [{ email: 'not-an-address' }] }), 422, 'invalid_rule');
    const problems = await call('POST', '/api/v1/alarm-rules', engineer, { ...good, kind: 'offline', afterS: 5 });
    assertError(problems, 422, 'invalid_rule');
    assert.ok(problems.body.error.details.some((d: { field: string }) => d.field === 'afterS'), problems.text);
    // Scopes: reading is `read`; changing needs manage:rules (an operator handles alarms but not rules).
    assertError(await call('POST', '/api/v1/alarm-rules', viewer, good), 403, 'insufficient_scope');
    assertError(await call('POST', '/api/v1/alarm-rules', operator, good), 403, 'insufficient_scope');
    const rulesToken = await token(['manage:rules']);
    // A dry run answers the completed rule without storing it.
    const dry = await call('POST', '/api/v1/alarm-rules?dryRun=true', rulesToken.secret, good);
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.priority, 'medium');
    assert.deepEqual(await rules(), baseline, 'nothing stored by refusals or the dry run');

    const created = await call('POST', '/api/v1/alarm-rules', rulesToken.secret, good);
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.receivers, [{ email: 'olga@utility.example', language: 'da' }]);
    assertError(await call('POST', '/api/v1/alarm-rules', engineer, good), 409, 'rule_exists');
    const named = await call('POST', '/api/v1/alarm-rules', engineer, { name: "Ünïcode '; DROP TABLE rules; --", kind: 'offline', afterS: 600 });
    assert.equal(named.status, 201, named.text);
    assert.match(named.body.id, /^[a-z0-9-]+$/);
    assert.equal(named.body.name, "Ünïcode '; DROP TABLE rules; --");

    const stored = (await call('GET', '/api/v1/alarm-rules/api-cold', viewer)).body;
    assertError(await call('PATCH', '/api/v1/alarm-rules/api-cold', engineer, { kind: 'offline' }), 400);
    assertError(await call('PATCH', '/api/v1/alarm-rules/api-cold', engineer, { id: 'other' }), 400);
    assertError(await call('PATCH', '/api/v1/alarm-rules/api-cold', engineer, {}), 400);
    assertError(await call('PATCH', '/api/v1/alarm-rules/api-cold', engineer, { deadband: -1 }), 400);
    assertError(await call('PATCH', '/api/v1/alarm-rules/api-cold', engineer, { afterS: 60 }), 422, 'invalid_rule');
    assertError(await call('PATCH', '/api/v1/alarm-rules/api-cold', operator, { priority: 'low' }), 403);
    assertError(await call('PATCH', '/api/v1/alarm-rules/no-such-rule', engineer, { priority: 'low' }), 404, 'rule_not_found');
    assert.deepEqual((await call('GET', '/api/v1/alarm-rules/api-cold', viewer)).body, stored, 'refused patches changed nothing');
    const patched = await call('PATCH', '/api/v1/alarm-rules/api-cold', engineer, { condition: { type: 'low', limit: -40 }, priority: 'critical' });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.condition, { type: 'low', limit: -40 });
    assert.equal(patched.body.deadband, 1, 'fields not named stay');

    assertError(await call('DELETE', '/api/v1/alarm-rules/api-cold', operator), 403);
    assert.equal((await call('DELETE', '/api/v1/alarm-rules/api-cold', engineer)).status, 200);
    assertError(await call('DELETE', '/api/v1/alarm-rules/api-cold', engineer), 404, 'rule_not_found');
    assertError(await call('GET', '/api/v1/alarm-rules/api-cold', viewer), 404, 'rule_not_found');
    assertError(await call('GET', `/api/v1/alarm-rules/${encodeURIComponent('../tokens')}`, viewer), 400);
    assert.equal((await call('DELETE', `/api/v1/alarm-rules/${named.body.id}`, engineer)).status, 200);
    assert.deepEqual((await rules()).map((r) => r.id), baseline.map((r) => r.id));

    const entries = await until('the audit log to hold the rule changes', async () => {
      const a = await call('GET', `/api/v1/audit?${period()}&action=rule.create,rule.update,rule.delete`, viewer);
      return a.body.items.filter((e: { newValue: string; oldValue: string; detail: string }) => [e.newValue, e.oldValue, e.detail].includes('api-cold')).length >= 3 ? a.body.items : null;
    }, 10_000);
    const cold = entries.filter((e: { newValue: string; oldValue: string; detail: string }) => [e.newValue, e.oldValue, e.detail].includes('api-cold'));
    assert.deepEqual(cold.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`), [`rule.create token:${rulesToken.id}`, 'rule.update erik', 'rule.delete erik']);
  });
});
