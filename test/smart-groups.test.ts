import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';
import { distanceKm, SmartGroupError, SmartGroupService, type DeviceStatusSource, type SmartGroupFilter } from '../runtime/devices/smart-groups.ts';
import { parseSelection, resolveSelection, SelectionError, SelectionResolver } from '../runtime/devices/selection.ts';
import type { DeviceInput } from '../runtime/devices/validation.ts';

const at = (host: string, extra: DeviceInput): DeviceInput => ({ connection: { kind: 'modbus-tcp', host, port: 502, unitId: 1 }, ...extra });

/** A status source as the poller and alarm engine will provide it. */
class FakeStatus implements DeviceStatusSource {
  readonly online = new Set<string>();
  readonly offline = new Set<string>();
  readonly alarms = new Set<string>();
  statusOf(id: string) {
    return this.online.has(id) ? 'online' : this.offline.has(id) ? 'offline' : 'unknown';
  }
  hasActiveAlarm(id: string) {
    return this.alarms.has(id);
  }
}

describe('smart groups and selections', function () {
  let dir: string;
  let store: ConfigStore;
  let registry: DeviceRegistry;
  let groups: SmartGroupService;
  let status: FakeStatus;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-groups-'));
    store = new ConfigStore(dir);
    registry = new DeviceRegistry(store);
    status = new FakeStatus();
    groups = new SmartGroupService(store, registry, { status });
    registry.createMany([
      // Helsinki centre, Espoo (≈ 16 km west), Tampere (≈ 160 km north), one without coordinates.
      at('10.0.0.1', { name: 'Kirkkokatu 1', address: 'Kirkkokatu 1, Helsinki', lat: 60.1719, lon: 24.9522, tags: ['school', 'north'], application: 'A266.1' }),
      at('10.0.0.2', { name: 'Kirkkokatu 3', address: 'Kirkkokatu 3, Helsinki', lat: 60.1725, lon: 24.9540, tags: ['school'], application: 'A230' }),
      at('10.0.0.3', { name: 'Espoo depot', address: 'Tekniikantie 2, Espoo', lat: 60.1841, lon: 24.8301, tags: ['depot'], application: 'A266.2', enabled: false }),
      at('10.0.0.4', { name: 'Tampere hall', address: 'Hämeenkatu 1, Tampere', lat: 61.4981, lon: 23.7610, tags: ['north'], model: 'ecl-comfort-296' }),
      at('10.0.0.5', { name: 'Meter shed', address: 'unknown', model: 'acme-meter', tags: [] }),
    ]);
  });
  afterEach(function () {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = (filter: SmartGroupFilter) => groups.preview(filter).map((d) => d.id);

  it('matches each kind of criterion', function () {
    assert.deepEqual(ids({ name: 'kirkko*' }), ['kirkkokatu-1', 'kirkkokatu-3'], 'glob, case-insensitive');
    assert.deepEqual(ids({ name: 'Kirkkokatu ?' }), ['kirkkokatu-1', 'kirkkokatu-3']);
    assert.deepEqual(ids({ name: 'HALL' }), ['tampere-hall'], 'substring without wildcards');
    assert.deepEqual(ids({ tags: ['school', 'north'] }), ['kirkkokatu-1', 'kirkkokatu-3', 'tampere-hall'], 'any tag');
    assert.deepEqual(ids({ tags: ['school', 'north'], tagMatch: 'all' }), ['kirkkokatu-1']);
    assert.deepEqual(ids({ address: 'ESPOO' }), ['espoo-depot']);
    assert.deepEqual(ids({ models: ['ecl-comfort-296', 'acme-meter'] }), ['meter-shed', 'tampere-hall']);
    assert.deepEqual(ids({ applications: ['A266'] }), ['espoo-depot', 'kirkkokatu-1'], 'family match');
    assert.deepEqual(ids({ applications: ['A266.1'] }), ['kirkkokatu-1']);
    assert.deepEqual(ids({ enabled: false }), ['espoo-depot']);
    assert.deepEqual(ids({ tags: ['school'], exclude: ['kirkkokatu-3'], include: ['meter-shed'] }), ['kirkkokatu-1', 'meter-shed']);
    assert.deepEqual(ids({ include: ['tampere-hall', 'meter-shed'] }), ['meter-shed', 'tampere-hall'], 'a static list');
    assert.deepEqual(ids({ name: '*', exclude: ['meter-shed'] }).length, 4, 'everything but one');
  });

  it('selects by area: bounding box and radius (great-circle km); devices without coordinates never match', function () {
    assert.ok(Math.abs(distanceKm(60.1719, 24.9522, 61.4981, 23.761) - 160) < 5);
    assert.deepEqual(ids({ bbox: { minLat: 60.1, minLon: 24.9, maxLat: 60.2, maxLon: 25.0 } }), ['kirkkokatu-1', 'kirkkokatu-3']);
    assert.deepEqual(ids({ near: { lat: 60.17, lon: 24.95, radiusKm: 1 } }), ['kirkkokatu-1', 'kirkkokatu-3']);
    assert.deepEqual(ids({ near: { lat: 60.17, lon: 24.95, radiusKm: 20 } }), ['espoo-depot', 'kirkkokatu-1', 'kirkkokatu-3']);
    assert.deepEqual(ids({ near: { lat: 60.17, lon: 24.95, radiusKm: 200 } }).includes('meter-shed'), false);
    // A box across the antimeridian (minLon > maxLon) holds Fiji-like longitudes on both sides.
    registry.create(at('10.0.0.9', { name: 'Suva', lat: -18.1, lon: 178.4 }));
    registry.create(at('10.0.0.10', { name: 'Taveuni east', lat: -16.8, lon: -179.9 }));
    assert.deepEqual(ids({ bbox: { minLat: -20, minLon: 177, maxLat: -15, maxLon: -179 } }), ['suva', 'taveuni-east']);
  });

  it('selects by online, offline and alarm status from the status source', function () {
    status.online.add('kirkkokatu-1').add('tampere-hall');
    status.offline.add('kirkkokatu-3');
    status.alarms.add('tampere-hall').add('espoo-depot');
    assert.deepEqual(ids({ status: ['online'] }), ['kirkkokatu-1', 'tampere-hall']);
    assert.deepEqual(ids({ status: ['offline'] }), ['kirkkokatu-3']);
    assert.deepEqual(ids({ status: ['alarm'] }), ['espoo-depot', 'tampere-hall']);
    assert.deepEqual(ids({ status: ['offline', 'alarm'], tags: ['north'] }), ['tampere-hall']);
    groups.setStatusSource(undefined);
    assert.deepEqual(ids({ status: ['unknown'] }).length, 5, 'without a source, every device is unknown');
  });

  it('is a live query: a device added later joins, a changed one leaves; the group survives a restart', function () {
    const group = groups.create({ name: 'Helsinki schools', description: 'for the heating report', filter: { tags: ['school'], address: 'helsinki' } });
    assert.equal(group.id, 'helsinki-schools');
    assert.deepEqual(groups.members(group.id).map((d) => d.id), ['kirkkokatu-1', 'kirkkokatu-3']);
    registry.create(at('10.0.0.7', { name: 'Aleksanterinkatu 7', address: 'Aleksanterinkatu 7, Helsinki', tags: ['school'] }));
    registry.update('kirkkokatu-3', { tags: [] });
    assert.deepEqual(groups.members(group.id).map((d) => d.id), ['aleksanterinkatu-7', 'kirkkokatu-1']);
    store.close();
    store = new ConfigStore(dir);
    registry = new DeviceRegistry(store);
    groups = new SmartGroupService(store, registry);
    assert.deepEqual(groups.get(group.id)?.filter, { tags: ['school'], address: 'helsinki' });
    assert.equal(groups.members(group.id).length, 2);
    const renamed = groups.update(group.id, { name: 'Schools (Helsinki)' });
    assert.deepEqual(renamed.filter, group.filter);
    assert.deepEqual(groups.list().map((g) => g.name), ['Schools (Helsinki)']);
    groups.delete(group.id);
    assert.equal(groups.get(group.id), null);
  });

  it('lists every problem of an invalid group at once', function () {
    let err: SmartGroupError | undefined;
    try {
      groups.create({
        name: '',
        colour: 'red',
        filter: { tags: ['North'], bbox: { minLat: 61, maxLat: 60, minLon: 0, maxLon: 200 }, near: { lat: 0, lon: 0, radiusKm: -1 }, status: ['sleeping'], include: ['kirkkokatu-1', 'ghost'], region: 'x' },
      });
    } catch (e) {
      err = e as SmartGroupError;
    }
    assert.ok(err instanceof SmartGroupError);
    assert.equal(err.code, 'invalid_group');
    assert.deepEqual(err.details.map((p) => p.field), ['colour', 'name', 'filter.region', 'filter.tags[0]', 'filter.status[0]', 'filter.bbox.maxLon', 'filter.bbox', 'filter.near.radiusKm', 'filter.include']);
    assert.match(err.message, /filter\.include: no such devices: ghost/);
    assert.throws(() => groups.create({ name: 'empty', filter: {} }), /at least one criterion/);
    groups.create({ id: 'north', name: 'North', filter: { tags: ['north'] } });
    assert.throws(() => groups.create({ id: 'north', name: 'North again', filter: { tags: ['north'] } }), (e: SmartGroupError) => e.code === 'group_exists');
    assert.throws(() => groups.members('south'), (e: SmartGroupError) => e.code === 'group_not_found');
  });

  it('resolves selections, naming unknown devices and groups', function () {
    groups.create({ id: 'north', name: 'North', filter: { tags: ['north'] } });
    const services = { registry, groups };
    const resolve = (s: unknown) => resolveSelection(parseSelection(s), services).map((d) => d.id);
    assert.deepEqual(resolve('tampere-hall'), ['tampere-hall']);
    assert.deepEqual(resolve({ devices: ['meter-shed', 'kirkkokatu-1', 'meter-shed'] }), ['meter-shed', 'kirkkokatu-1'], 'order kept, duplicates dropped');
    assert.deepEqual(resolve({ group: 'north' }), ['kirkkokatu-1', 'tampere-hall']);
    assert.equal(resolve({ all: true }).length, 5);
    assert.deepEqual(new SelectionResolver(services).resolve({ all: true }, { enabledOnly: true }).map((d) => d.id).includes('espoo-depot'), false);

    assert.throws(() => resolve({ devices: ['kirkkokatu-1', 'ghost-1', 'ghost-2'] }), (e: SelectionError) => e.code === 'unknown_devices' && e.message === 'no devices "ghost-1", "ghost-2"' && e.unknownIds.length === 2);
    assert.throws(() => resolve({ group: 'south' }), (e: SelectionError) => e.code === 'unknown_group' && /"south"/.test(e.message));
    const invalid = (input: unknown, pattern: RegExp) => assert.throws(() => parseSelection(input), (e: SelectionError) => e.code === 'invalid_selection' && pattern.test(e.message));
    invalid({ device: 'a', group: 'b' }, /exactly one of device, devices, group, all \(got device, group\)/);
    invalid({}, /got none/);
    invalid({ all: 'yes' }, /all: must be true/);
    invalid({ devices: [] }, /non-empty list/);
    invalid({ devices: ['ok', 7, 'Not An Id'] }, /devices\[1\]: not a device id: 7; devices\[2\]/);
    invalid({ groups: 'x' }, /groups: unknown key/);
    invalid('two words', /is not a device id/);
    invalid(null, /a selection is/);
  });
});
