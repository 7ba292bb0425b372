// The API's parts in-process: the shipped flow matches the registry, the registry is well-formed, tokens
// and the role→scope mapping, the token CLI, the live bus's bounded queues, rate limits, CORS, and the
// cost of listing 10,000 devices (with the response check).
import { readShippedFlows } from '../runtime/flows/shipped-flows.ts';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { projectRoot } from '../runtime/paths.ts';
import { apiFlow, LIVE_LINKS } from '../runtime/api/api-flow.ts';
import { allOperations, findOperation } from '../runtime/api/registry.ts';
import { runOperation } from '../runtime/api/dispatch.ts';
import { check } from '../runtime/api/schema-validator.ts';
import { DevicePage } from '../runtime/api/schemas.ts';
import { BoundedQueue, LiveBus, liveEventOf, type LiveEvent } from '../runtime/api/live-bus.ts';
import { RateLimiter } from '../runtime/api/rate-limit.ts';
import { corsHandler } from '../runtime/api/host-routes.ts';
import { ApiTokenService, hasScope, parseLifetime, ROLE_SCOPES, SCOPES } from '../runtime/auth/api-tokens.ts';
import { tokenCommand } from '../runtime/cli/token-command.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';
import { SmartGroupService } from '../runtime/devices/smart-groups.ts';
import { SelectionResolver } from '../runtime/devices/selection.ts';
import { TemplateStore } from '../runtime/templates/template-store.ts';
import { DeviceStatusTracker } from '../runtime/fleet/device-status.ts';
import { loadConfig, ConfigError } from '../runtime/config.ts';
import type { HeatgridServices } from '../runtime/services.ts';
import { tempDataDir } from './support/runtime-process.ts';

describe('API registry and shipped flow', function () {
  it('flows/20-api.json is what the registry generates (run scripts/generate-api-flow.ts after changes)', function () {
    const shipped = JSON.parse(readFileSync(join(projectRoot, 'flows/20-api.json'), 'utf8'));
    assert.deepEqual(shipped, apiFlow(allOperations()));
  });

  it('every operation is well-formed: unique id, /api/v1 path, known scope, a summary, CSV ones take format=', function () {
    const seen = new Set<string>();
    for (const op of allOperations()) {
      assert.ok(!seen.has(`${op.method} ${op.path}`), `${op.method} ${op.path} twice`);
      seen.add(`${op.method} ${op.path}`);
      assert.match(op.id, /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
      assert.ok(op.path.startsWith('/api/v1/'), op.path);
      assert.ok((SCOPES as readonly string[]).includes(op.scope), op.id);
      assert.ok(op.summary.length > 10, op.id);
      if (op.csv) assert.ok((op.query as { properties?: Record<string, unknown> }).properties?.format, `${op.id} offers CSV but takes no format=`);
      if (op.method === 'GET') assert.equal(op.body, undefined, `${op.id}: GET with a body`);
    }
    assert.equal(findOperation('devices.list')?.scope, 'read');
  });

  it('the live link-ins are wired both ways to the shipped link-outs of polls, status and alarms', function () {
    const shipped = readShippedFlows(join(projectRoot, 'flows')) as Array<{ id: string; links?: string[] }>;
    for (const link of Object.values(LIVE_LINKS)) {
      assert.ok(link.out, `${link.in} has a source`);
      const out = shipped.find((n) => n.id === link.out);
      assert.ok(out, `${link.out} exists in the shipped flows`);
      assert.ok(out.links?.includes(link.in), `${link.out} sends to ${link.in}`);
    }
  });
});

describe('API tokens and scopes', function () {
  let store: ConfigStore;
  beforeEach(() => (store = new ConfigStore(tempDataDir('heatgrid-tokens-'))));
  afterEach(() => store.close());

  it('maps roles to scopes once: viewer reads, operator writes setpoints and handles alarms, engineer manages devices and rules', function () {
    assert.deepEqual(ROLE_SCOPES.viewer, ['read']);
    assert.ok(hasScope(ROLE_SCOPES.operator, 'write:setpoints') && hasScope(ROLE_SCOPES.operator, 'manage:alarms'));
    assert.ok(!hasScope(ROLE_SCOPES.operator, 'manage:devices'));
    assert.ok(hasScope(ROLE_SCOPES.engineer, 'manage:devices') && hasScope(ROLE_SCOPES.engineer, 'manage:rules') && !hasScope(ROLE_SCOPES.engineer, 'admin'));
    assert.ok(hasScope(['admin'], 'manage:alarms'), 'admin implies every scope');
  });

  it('stores only a hash, resolves valid tokens, refuses expired and revoked ones', function () {
    let now = 1_000_000;
    const tokens = new ApiTokenService(store, () => now);
    const { token, secret } = tokens.create({ name: 'billing', scopes: ['read'], createdBy: 'admin', expiresAt: now + 60_000 });
    assert.match(secret, /^hg_[A-Za-z0-9_-]{43}$/);
    const dump = JSON.stringify(store.db.prepare('SELECT * FROM api_tokens').all());
    assert.ok(!dump.includes(secret.slice(3)), 'the secret is not stored');
    assert.equal(tokens.resolve(secret)?.id, token.id);
    assert.equal(tokens.resolve(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')), null);
    now += 60_000;
    assert.equal(tokens.resolve(secret), null, 'expired');
    const other = tokens.create({ name: 'bi', scopes: ['read'], createdBy: 'admin', expiresAt: null });
    tokens.revoke(other.token.id);
    assert.equal(tokens.resolve(other.secret), null, 'revoked');
    assert.throws(() => tokens.create({ name: '', scopes: ['sudo'], createdBy: 'x' }), /invalid token request/);
    assert.equal(parseLifetime('90d'), 90 * 86_400_000);
    assert.equal(parseLifetime('never'), null);
  });

  it('token CLI: create shows the secret once, list never does, revoke; bad input exits non-zero', async function () {
    let out = '';
    const write = (s: string) => (out += s);
    const audited: unknown[] = [];
    const services = { store, historian: { writeAudit: (e: readonly unknown[]) => void audited.push(...e) } };
    assert.equal(await tokenCommand(['create', '--name', 'bi', '--scope', 'read', '--expires', '90d'], services, write), 0);
    const secret = /secret \(shown once, store it now\): (hg_\S+)/.exec(out)?.[1];
    assert.ok(secret);
    const id = /created ([0-9a-f-]{36})/.exec(out)![1]!;
    out = '';
    assert.equal(await tokenCommand(['list'], services, write), 0);
    assert.ok(out.includes(id) && !out.includes(secret!));
    assert.equal(await tokenCommand(['revoke', id], services, write), 0);
    assert.equal(await tokenCommand(['create', '--name', 'x', '--scope', 'root'], services, write), 1);
    assert.equal(await tokenCommand(['create', '--name', 'x', '--scope', 'read', '--expires', 'soon'], services, write), 1);
    assert.equal(await tokenCommand(['revoke', '00000000-0000-4000-8000-000000000000'], services, write), 1);
    assert.equal(await tokenCommand(['frobnicate'], services, write), 2);
    assert.deepEqual(audited.map((e) => (e as { action: string }).action), ['token.create', 'token.revoke']);
  });
});

describe('live bus', function () {
  it('delivers by device and type; a slow consumer loses its oldest events and learns how many', function () {
    const bus = new LiveBus();
    const got: LiveEvent[] = [];
    const stop = bus.subscribe({ devices: new Set(['a']), types: new Set(['readings']), deliver: (e) => got.push(e) });
    bus.publish({ type: 'readings', device: 'a', ts: 1, data: {} });
    bus.publish({ type: 'readings', device: 'b', ts: 2, data: {} });
    bus.publish({ type: 'status', device: 'a', ts: 3, data: {} });
    stop();
    bus.publish({ type: 'readings', device: 'a', ts: 4, data: {} });
    assert.deepEqual(got.map((e) => e.ts), [1]);

    const queue = new BoundedQueue<number>(100);
    for (let i = 0; i < 10_000; i++) queue.push(i);
    assert.equal(queue.length, 100);
    assert.equal(queue.takeDropped(), 9_900);
    assert.equal(queue.shift(), 9_900);
  });

  it('recognises poll messages, status transitions and alarm events', function () {
    assert.equal(liveEventOf({ topic: 'heatgrid/x', payload: { device: { id: 'x', name: 'X' }, ts: 5, readings: { a: 1 }, quality: {} } })?.type, 'readings');
    assert.equal(liveEventOf({ topic: 'heatgrid/x', payload: { device: 'x', state: 'offline', previous: 'online', ts: 5 } })?.type, 'status');
    assert.equal(liveEventOf({ payload: { alarmId: 'r1:x', device: 'x', ts: 5 } })?.type, 'alarms');
    assert.equal(liveEventOf({ payload: 'nope' }), null);
  });

  it('fan-out: 1,000 subscribers × 1,000 events', function () {
    const bus = new LiveBus();
    const queues = Array.from({ length: 1000 }, (_, i) => {
      const q = new BoundedQueue<LiveEvent>(1000);
      bus.subscribe({ devices: i % 2 ? null : new Set([`d${i % 50}`]), types: new Set(['readings']), deliver: (e) => q.push(e) });
      return q;
    });
    const t0 = performance.now();
    for (let k = 0; k < 1000; k++) bus.publish({ type: 'readings', device: `d${k % 50}`, ts: k, data: { k } });
    const ms = performance.now() - t0;
    console.log(`      fan-out: 1,000 events to 1,000 subscribers (500 all-devices, 500 one-device) in ${ms.toFixed(1)} ms`);
    assert.equal(queues[1]!.length, 1000);
  });
});

describe('rate limit and CORS', function () {
  it('token bucket: a burst, then the refill rate, per key', function () {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 5, refillPerSecond: 2, now: () => now });
    for (let i = 0; i < 5; i++) assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 500);
    assert.equal(limiter.take('b'), 0);
    now += 500;
    assert.equal(limiter.take('a'), 0);
  });

  it('CORS is off by default and answers allowed origins only', async function () {
    const app = express();
    app.use('/off', corsHandler([]), (_req, res) => void res.send('ok'));
    app.use('/on', corsHandler(['https://bi.example.com']), (_req, res) => void res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const off = await fetch(`${base}/off/x`, { headers: { origin: 'https://bi.example.com' } });
      assert.equal(off.headers.get('access-control-allow-origin'), null);
      const ok = await fetch(`${base}/on/x`, { headers: { origin: 'https://bi.example.com' } });
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://bi.example.com');
      const pre = await fetch(`${base}/on/x`, { method: 'OPTIONS', headers: { origin: 'https://bi.example.com', 'access-control-request-method': 'POST' } });
      assert.equal(pre.status, 204);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      const evil = await fetch(`${base}/on/x`, { headers: { origin: 'https://evil.example.com' } });
      assert.equal(evil.headers.get('access-control-allow-origin'), null);
    } finally {
      server.close();
    }
  });

  it('HEATGRID_CORS_ORIGINS is parsed and checked', function () {
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    assert.deepEqual(loadConfig({ HEATGRID_CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).corsOrigins, ['https://a.example', 'http://b.example:8080']);
    assert.throws(() => loadConfig({ HEATGRID_CORS_ORIGINS: 'https://a.example/path' }), ConfigError);
  });
});

describe('devices.list with 10,000 devices (in-process)', function () {
  this.timeout(60_000);
  it('pages, filters and checks the response fast enough', async function () {
    const store = new ConfigStore(tempDataDir('heatgrid-api-perf-'));
    const templates = new TemplateStore(store);
    const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
    const groups = new SmartGroupService(store, registry);
    registry.createMany(Array.from({ length: 10_000 }, (_, i) => ({ id: `sub-${String(i).padStart(5, '0')}`, name: `Substation ${i}`, address: `Street ${i % 400}`, tags: [i % 2 ? 'north' : 'south'], connection: { kind: 'modbus-tcp' as const, host: '10.0.0.1', port: 502, unitId: 1 + (i % 200) } })));
    const services = { registry, groups, templates, selections: new SelectionResolver({ registry, groups }), fleet: { statuses: new DeviceStatusTracker() }, historian: { writeAudit() {} } } as unknown as HeatgridServices;
    const op = findOperation('devices.list')!;
    const run = (query: Record<string, string>) => runOperation(op, { params: {}, query, headers: {}, body: undefined, caller: { kind: 'user', actor: 'admin', scopes: ['admin'], key: `perf:${Math.random()}` } }, services);
    const time = async (query: Record<string, string>, n = 20) => {
      await run(query);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) assert.equal((await run(query)).status, 200);
      return (performance.now() - t0) / n;
    };
    const page100 = await time({ limit: '100' });
    const page1000 = await time({ limit: '1000' }, 5);
    const search = await time({ search: 'station 99', limit: '100' });
    const tag = await time({ tag: 'north', sort: 'address', order: 'desc', limit: '100', offset: '4000' });
    const body = (await run({ limit: '1000' })).body;
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) assert.deepEqual(check(DevicePage, body), []);
    const checkMs = (performance.now() - t0) / 10;
    console.log(`      devices.list of 10,000: 100/page ${page100.toFixed(1)} ms, 1000/page ${page1000.toFixed(1)} ms (of which response check ${checkMs.toFixed(1)} ms), search ${search.toFixed(1)} ms, tag+sort+offset ${tag.toFixed(1)} ms`);
    assert.ok(page100 < 200 && search < 300);
    store.close();
  });
});
