import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { DeviceError, DeviceRegistry, type DeviceChange } from '../runtime/devices/registry.ts';
import { slugify } from '../runtime/devices/validation.ts';
import { TemplateStore } from '../runtime/templates/template-store.ts';
import { SmartGroupService } from '../runtime/devices/smart-groups.ts';
import { devicesCommand } from '../runtime/devices/cli.ts';

const modbus = (host: string, unitId = 1, port = 502) => ({ kind: 'modbus-tcp' as const, host, port, unitId });

function catchDeviceError(work: () => unknown): DeviceError {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof DeviceError, `expected a DeviceError, got ${err}`);
    return err;
  }
  assert.fail('expected a DeviceError');
}

describe('device registry', function () {
  let dir: string;
  let store: ConfigStore;
  let registry: DeviceRegistry;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-devices-'));
    store = new ConfigStore(dir);
    registry = new DeviceRegistry(store);
  });
  afterEach(function () {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every device at once, and sees its own writes, rollbacks and other processes (the CLI) at once', function () {
    registry.create({ id: 'a', name: 'A', connection: modbus('10.0.0.1') });
    assert.deepEqual(registry.all().map((d) => d.id), ['a']);
    registry.update('a', { name: 'A renamed' });
    assert.equal(registry.all()[0]!.name, 'A renamed');
    assert.throws(() => registry.batch(() => {
      registry.create({ id: 'b', name: 'B', connection: modbus('10.0.0.2') });
      assert.equal(registry.all().length, 2);
      throw new Error('abort');
    }), /abort/);
    assert.deepEqual(registry.all().map((d) => d.id), ['a'], 'a rolled-back device must not linger');
    // Another connection to the same file, as the CLI opens while the runtime runs.
    const cli = new ConfigStore(dir);
    try {
      new DeviceRegistry(cli).create({ id: 'c', name: 'C', connection: modbus('10.0.0.3') });
    } finally {
      cli.close();
    }
    assert.deepEqual(registry.all().map((d) => d.id).sort(), ['a', 'c']);
    assert.throws(() => ((registry.all()[0] as { name: string }).name = 'x'), TypeError, 'listed devices are read-only');
  });

  it('creates a device with an id slugified from its name, and keeps it across a restart', function () {
    const device = registry.create({ name: 'Östra Hamngatan 12 / Substation', connection: modbus('10.0.0.12'), tags: ['north', 'school'], lat: 57.7, lon: 11.97 });
    assert.equal(device.id, 'ostra-hamngatan-12-substation');
    assert.equal(device.model, 'ecl-comfort-310');
    assert.equal(device.enabled, true);
    store.close();
    store = new ConfigStore(dir);
    registry = new DeviceRegistry(store);
    const again = registry.get(device.id);
    assert.deepEqual(again, device);
  });

  it('makes slug ids unique and refuses a given id that is taken', function () {
    const a = registry.create({ name: 'Boiler house', connection: modbus('10.0.0.1') });
    const b = registry.create({ name: 'Boiler House', connection: modbus('10.0.0.2') });
    assert.equal(a.id, 'boiler-house');
    assert.equal(b.id, 'boiler-house-2');
    const err = catchDeviceError(() => registry.create({ id: 'boiler-house', name: 'x', connection: modbus('10.0.0.3') }));
    assert.equal(err.code, 'device_exists');
    assert.equal(slugify('Kærvej 5, Århus'), 'kaervej-5-arhus');
  });

  it('lists every problem of an invalid device at once and stores nothing', function () {
    const err = catchDeviceError(() =>
      registry.create({
        name: 'x'.repeat(121),
        model: 'acme-meter',
        connection: { kind: 'modbus-tcp', host: 'bad host!', port: 0, unitId: 300 },
        lat: 91,
        lon: -181,
        tags: ['North', 'ok'],
      }),
    );
    assert.equal(err.code, 'invalid_device');
    assert.deepEqual(err.details.map((p) => p.field).sort(), ['connection.host', 'connection.port', 'connection.unitId', 'lat', 'lon', 'name', 'tags[0]']);
    assert.match(err.message, /connection\.port: an integer 1\.\.65535/);
    assert.equal(registry.count(), 0);
  });

  it('checks ECL unit ids (1..247 or 254) and accepts 0..255 for other models', function () {
    const err = catchDeviceError(() => registry.create({ name: 'ecl', connection: modbus('10.0.0.1', 250) }));
    assert.deepEqual(err.details, [{ field: 'connection.unitId', message: 'ECL Comfort answers unit ids 1..247 or 254' }]);
    assert.equal(registry.create({ name: 'ecl', connection: modbus('10.0.0.1', 254) }).connection.kind, 'modbus-tcp');
    assert.equal(registry.create({ name: 'meter', model: 'acme-meter', connection: modbus('meter-7.local', 0) }).id, 'meter');
    const unknownField = catchDeviceError(() => registry.create({ name: 'typo', connection: modbus('10.0.0.1'), unitid: 3 } as unknown));
    assert.deepEqual(unknownField.details, [{ field: 'unitid', message: 'unknown field' }]);
    const missing = catchDeviceError(() => registry.create({ name: 'no connection' }));
    assert.equal(missing.details[0]!.field, 'connection');
  });

  it('updates partially, validates the merged device and refuses id changes', function () {
    const d = registry.create({ name: 'Sub 1', connection: modbus('10.0.0.1', 5), application: 'A266.1' });
    const moved = registry.update(d.id, { connection: { port: 1502 }, tags: ['east'] });
    assert.deepEqual(moved.connection, modbus('10.0.0.1', 5, 1502));
    assert.equal(moved.application, 'A266.1');
    assert.deepEqual(moved.tags, ['east']);
    const err = catchDeviceError(() => registry.update(d.id, { id: 'other', lat: 100, lon: 20 }));
    assert.deepEqual(err.details.map((p) => p.field), ['id', 'lat']);
    assert.deepEqual(registry.get(d.id), moved);
    // An ECL application key must look like one.
    assert.equal(catchDeviceError(() => registry.update(d.id, { application: 'heating' })).details[0]!.field, 'application');
    assert.equal(catchDeviceError(() => registry.update('nope', { name: 'x' })).code, 'device_not_found');
  });

  it('filters by text, tag, model, application family and enabled; pages and sorts', function () {
    registry.createMany([
      { name: 'Kirkkokatu 1', address: 'Kirkkokatu 1, Helsinki', connection: modbus('10.0.1.1'), tags: ['school'], application: 'A266.1' },
      { name: 'Kirkkokatu 3', address: 'Kirkkokatu 3, Helsinki', connection: modbus('10.0.1.3'), tags: ['school', 'north'], application: 'A266.2' },
      { name: 'Mannerheimintie 9', address: 'ÄÄNEKOSKI road', connection: modbus('10.0.1.9'), application: 'A230', enabled: false },
      { name: 'Heat meter 7', model: 'acme-meter', connection: modbus('10.0.1.7', 0), tags: ['north'] },
    ]);
    assert.deepEqual(registry.list({ search: 'KIRKKO' }).items.map((d) => d.id), ['kirkkokatu-1', 'kirkkokatu-3']);
    assert.deepEqual(registry.list({ search: 'äänekoski' }).items.map((d) => d.id), ['mannerheimintie-9']);
    assert.deepEqual(registry.list({ tag: 'north' }).items.map((d) => d.id), ['heat-meter-7', 'kirkkokatu-3']);
    assert.deepEqual(registry.list({ model: 'acme-meter' }).items.map((d) => d.id), ['heat-meter-7']);
    assert.deepEqual(registry.list({ application: 'A266' }).items.map((d) => d.id), ['kirkkokatu-1', 'kirkkokatu-3']);
    assert.deepEqual(registry.list({ application: 'A266.2' }).items.map((d) => d.id), ['kirkkokatu-3']);
    assert.deepEqual(registry.list({ enabled: false }).items.map((d) => d.id), ['mannerheimintie-9']);
    assert.deepEqual(registry.list({ search: '%' }).items, [], 'LIKE wildcards are plain text');

    const page = registry.list({ sort: 'name', order: 'desc', limit: 2, offset: 1 });
    assert.deepEqual(page.items.map((d) => d.name), ['Kirkkokatu 3', 'Kirkkokatu 1']);
    assert.equal(page.total, 4);
    assert.equal(registry.count({ tag: 'school' }), 2);
    const bad = catchDeviceError(() => registry.list({ limit: 5000, sort: 'secret; DROP TABLE devices' as 'name' }));
    assert.equal(bad.code, 'invalid_query');
    assert.deepEqual(bad.details.map((p) => p.field), ['limit', 'sort']);
  });

  it('announces created, updated and deleted devices, and nothing for a rolled-back batch', function () {
    const heard: string[] = [];
    const stop = registry.subscribe((c: DeviceChange) => heard.push(`${c.type}:${c.device.id}${c.type === 'updated' ? `:${c.previous.application}->${c.device.application}` : ''}`));
    const d = registry.create({ name: 'S1', connection: modbus('10.0.0.1') });
    registry.setApplication(d.id, 'A266.1');
    registry.setApplication(d.id, 'A266.1'); // unchanged: quiet
    assert.throws(() =>
      registry.batch(() => {
        registry.create({ name: 'S2', connection: modbus('10.0.0.2') });
        registry.create({ name: 'S3', connection: { kind: 'modbus-tcp', host: '10.0.0.3', port: 70000, unitId: 1 } });
      }),
    );
    assert.equal(registry.count(), 1, 'the batch rolled back whole');
    registry.delete(d.id);
    stop();
    registry.create({ name: 'S4', connection: modbus('10.0.0.4') });
    assert.deepEqual(heard, ['created:s1', 'updated:s1:null->A266.1', 'deleted:s1']);
  });

  it('deletes and reports unknown ids', function () {
    registry.createMany([
      { name: 'a', connection: modbus('10.0.0.1') },
      { name: 'b', connection: modbus('10.0.0.2') },
    ]);
    assert.equal(catchDeviceError(() => registry.deleteMany(['a', 'zz'])).code, 'device_not_found');
    assert.equal(registry.count(), 2, 'all or nothing');
    registry.deleteMany(['a', 'b']);
    assert.equal(registry.count(), 0);
  });
});

describe('devices, groups and templates CLI', function () {
  let dir: string;
  let store: ConfigStore;
  let output: string;
  let errors: string;
  let run: (...argv: string[]) => Promise<number>;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-devices-cli-'));
    store = new ConfigStore(dir);
    const templates = new TemplateStore(store);
    const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
    const groups = new SmartGroupService(store, registry);
    run = (...argv) => {
      output = '';
      errors = '';
      return devicesCommand(argv, { registry, templates, groups, out: (t) => (output += t), err: (t) => (errors += t) });
    };
  });
  afterEach(function () {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, lists, shows, imports and removes devices, with clear errors', async function () {
    assert.equal(await run('devices', 'add', '--name', 'Kirkkokatu 1', '--host', '10.0.0.1', '--unit', '3', '--tags', 'school,north', '--lat', '60,17', '--lon', '24.95'), 0);
    assert.match(output, /added kirkkokatu-1 \(Kirkkokatu 1, 10\.0\.0\.1:502\/3\)/);
    assert.equal(await run('devices', 'add', '--name', 'Bad', '--host', 'not a host', '--port', '0'), 1);
    assert.match(errors, /invalid_device: invalid device\n  - connection\.host: a hostname or an IPv4\/IPv6 address\n  - connection\.port: an integer 1\.\.65535\n/);
    assert.equal(await run('devices', 'add', '--name', 'x', '--hots', 'y'), 2);
    assert.match(errors, /Unknown option '--hots'/);

    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, 'name;host;lat;lon\nEspoo depot;10.0.0.2;60,18;24,83\nBroken;10.0.0.3;95;24\n');
    assert.equal(await run('devices', 'import', csv, '--dry-run'), 1);
    assert.match(output, /line 3: lat: a latitude -90\.\.90\ndry run, nothing changed: 1 created, 0 updated, 0 unchanged, 1 failed/);
    assert.equal(await run('devices', 'list'), 0);
    assert.match(output, /1 of 1 devices/);
    await run('devices', 'import', csv);
    assert.equal(await run('devices', 'list', '--json', '--tag', 'north'), 0);
    assert.deepEqual(JSON.parse(output).items.map((d: { id: string }) => d.id), ['kirkkokatu-1']);
    assert.equal(await run('devices', 'show', 'kirkkokatu-1'), 0);
    assert.match(output, /template: none \(application not known yet/);
    assert.equal(await run('devices', 'remove', 'espoo-depot'), 0);
    assert.equal(await run('devices', 'remove', 'espoo-depot'), 1);
    assert.match(errors, /device_not_found: no device "espoo-depot"/);
    assert.equal(await run('devices', '--help'), 0);
    assert.match(output, /Usage: heatgrid devices/);
  });

  it('manages smart groups and user templates', async function () {
    await run('devices', 'add', '--name', 'Kirkkokatu 1', '--host', '10.0.0.1', '--tags', 'school', '--lat', '60.17', '--lon', '24.95');
    await run('devices', 'add', '--name', 'Far away', '--host', '10.0.0.2', '--tags', 'school', '--lat', '65', '--lon', '25');
    assert.equal(await run('groups', 'add', '--name', 'Schools near centre', '--tag', 'school', '--near', '60.17,24.95,10'), 0);
    assert.match(output, /added smart group schools-near-centre \(1 devices now\)/);
    assert.equal(await run('groups', 'members', 'schools-near-centre'), 0);
    assert.match(output, /kirkkokatu-1[\s\S]*1 devices in schools-near-centre/);
    assert.equal(await run('groups', 'add', '--name', 'Bad', '--status', 'sleepy', '--bbox', '1,2,3'), 2);
    assert.match(errors, /--bbox takes 4 comma-separated numbers/);
    assert.equal(await run('groups', 'add', '--name', 'Bad', '--status', 'sleepy'), 1);
    assert.match(errors, /filter\.status\[0\]/);
    assert.equal(await run('groups', 'remove', 'schools-near-centre'), 0);

    const example = fileURLToPath(new URL('../runtime/templates/examples/generic-heat-meter.json', import.meta.url));
    assert.equal(await run('templates', 'add', example), 0);
    assert.match(output, /added template generic\/heat-meter-modbus \(10 points/);
    assert.equal(await run('templates', 'list'), 0);
    assert.match(output, /ecl-comfort\/A266\s+builtin[\s\S]*generic\/heat-meter-modbus\s+user/);
    assert.equal(await run('templates', 'remove', 'ecl-comfort/A266'), 1);
    assert.match(errors, /template_builtin/);
    assert.equal(await run('devices', 'add', '--name', 'Meter', '--host', '10.0.0.9', '--model', 'generic-heat-meter', '--unit', '0'), 0);
    await run('devices', 'show', 'meter');
    assert.match(output, /template: generic\/heat-meter-modbus/);
  });
});
