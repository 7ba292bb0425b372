import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';
import { CsvImportError, importDevicesCsv, parseCsv } from '../runtime/devices/csv-import.ts';

describe('device CSV import', function () {
  let dir: string;
  let store: ConfigStore;
  let registry: DeviceRegistry;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-csv-'));
    store = new ConfigStore(dir);
    registry = new DeviceRegistry(store);
  });
  afterEach(function () {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads RFC 4180: quotes, doubled quotes, delimiters and line breaks in quotes, CRLF, BOM, blank lines', function () {
    const text = '\ufeffid,name,address\r\na,"Kirkkokatu 1, ""A"" house","line one\r\nline two"\r\n\r\nb,plain,\r\n';
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ['id', 'name', 'address'] },
      { line: 2, fields: ['a', 'Kirkkokatu 1, "A" house', 'line one\r\nline two'] },
      { line: 5, fields: ['b', 'plain', ''] },
    ]);
    assert.throws(() => parseCsv('name,host\n"open,10.0.0.1\n'), (err: CsvImportError) => err.details[0]!.line === 2 && /never closed/.test(err.message));
  });

  it('imports a European Excel export: ";" delimiter, decimal comma, BOM, tags separated by |', function () {
    const text =
      '\ufeffID;Name;Model;Application;Host;Port;Unit ID;Address;Lat;Lon;Tags\r\n' +
      'kirkkokatu-1;Kirkkokatu 1;ecl-comfort-310;A266.1;10.20.0.11;502;1;Kirkkokatu 1, Helsinki;60,1719;24,9522;school|north\r\n' +
      ';Heat meter 7;acme-meter;;meter-7.local;1502;0;"Pier 3; basement";60.2;24.9;\r\n';
    const result = importDevicesCsv(registry, text);
    assert.equal(result.delimiter, ';');
    assert.equal(result.committed, true);
    assert.deepEqual(result.rows.map((r) => [r.line, r.id, r.outcome]), [
      [2, 'kirkkokatu-1', 'created'],
      [3, 'heat-meter-7', 'created'],
    ]);
    const k = registry.require('kirkkokatu-1');
    assert.equal(k.lat, 60.1719);
    assert.equal(k.lon, 24.9522);
    assert.deepEqual(k.tags, ['school', 'north']);
    assert.equal(k.address, 'Kirkkokatu 1, Helsinki');
    assert.deepEqual(registry.require('heat-meter-7').connection, { kind: 'modbus-tcp', host: 'meter-7.local', port: 1502, unitId: 0 });
    assert.equal(registry.require('heat-meter-7').address, 'Pier 3; basement');
  });

  it('reports bad rows with their line number and every problem, and imports the good ones', function () {
    const text = [
      'id,name,host,port,unit_id,lat,lon,tags',
      'a,Good one,10.0.0.1,502,1,60.1,24.9,',
      '"b",Bad one,not a host,70000,x,61,,North',
      'a,Duplicate,10.0.0.2,,,,,',
      'c,Too many cells,10.0.0.3,502,1,60,24,t,extra',
      'd,Good two,10.0.0.4,,,,,',
    ].join('\n');
    const result = importDevicesCsv(registry, text);
    assert.equal(result.committed, true);
    assert.deepEqual([result.created, result.failed], [2, 3]);
    const bad = result.rows.find((r) => r.line === 3)!;
    assert.equal(bad.outcome, 'error');
    assert.deepEqual(bad.errors!.map((e) => e.field).sort(), ['host', 'lon', 'port', 'tags[0]', 'unit_id']);
    assert.match(bad.message!, /unit_id: a whole number \(got "x"\)/);
    assert.deepEqual(result.rows.find((r) => r.line === 4)!.errors, [{ field: 'id', message: 'also on line 2' }]);
    assert.match(result.rows.find((r) => r.line === 5)!.message!, /9 cells but the header has 8/);
    assert.deepEqual(registry.all().map((d) => d.id), ['a', 'd']);
  });

  it('changes nothing on a dry run, and nothing when all-or-nothing meets a bad row', function () {
    const heard: string[] = [];
    registry.subscribe((c) => heard.push(c.type));
    const good = 'name,host\nSub 1,10.0.0.1\nSub 2,10.0.0.2\n';
    const dry = importDevicesCsv(registry, good, { dryRun: true });
    assert.deepEqual([dry.committed, dry.created], [false, 2]);
    assert.deepEqual(dry.rows.map((r) => r.id), ['sub-1', 'sub-2']);
    assert.equal(registry.count(), 0);
    const strict = importDevicesCsv(registry, good + 'Sub 3,bad host\n', { allOrNothing: true });
    assert.deepEqual([strict.committed, strict.created, strict.failed], [false, 2, 1]);
    assert.equal(registry.count(), 0);
    assert.deepEqual(heard, [], 'no change was announced');
  });

  it('upserts by id with the filled-in cells when asked, and refuses existing ids otherwise', function () {
    importDevicesCsv(registry, 'id,name,host,port,tags\ns1,Sub 1,10.0.0.1,502,north\ns2,Sub 2,10.0.0.2,502,\n');
    const again = 'id,name,host,port,tags\ns1,Sub 1,10.0.0.1,1502,\ns2,Sub 2,10.0.0.2,502,\ns3,Sub 3,10.0.0.3,,\n';
    const refused = importDevicesCsv(registry, again);
    assert.deepEqual(refused.rows.map((r) => r.outcome), ['error', 'error', 'created']);
    assert.match(refused.rows[0]!.message!, /upsert/);
    const result = importDevicesCsv(registry, again, { upsert: true });
    assert.deepEqual(result.rows.map((r) => r.outcome), ['updated', 'unchanged', 'unchanged']);
    const s1 = registry.require('s1');
    assert.equal(s1.connection.kind === 'modbus-tcp' && s1.connection.port, 1502);
    assert.deepEqual(s1.tags, ['north'], 'an empty cell keeps the value');
  });

  it('refuses a file whose header names unknown or missing columns', function () {
    assert.throws(
      () => importDevicesCsv(registry, 'name,hostname,colour\nx,y,z\n'),
      (err: CsvImportError) => err.code === 'invalid_csv' && err.details.length === 3 && /unknown column "colour"/.test(err.message) && /column "host" is required/.test(err.message),
    );
    assert.throws(() => importDevicesCsv(registry, '\ufeff'), /empty/);
  });

  it('imports 1,000 rows in well under a second', function () {
    const lines = ['id,name,model,application,host,port,unit_id,address,lat,lon,tags'];
    for (let i = 0; i < 1000; i++) lines.push(`sub-${i},"Substation ${i}",ecl-comfort-310,A266.1,10.${i >> 8}.${i & 255}.1,502,1,"Street ${i}, Espoo",60.${i},24.${i},fleet|zone-${i % 10}`);
    const text = lines.join('\r\n');
    const started = performance.now();
    const result = importDevicesCsv(registry, text);
    const ms = performance.now() - started;
    assert.equal(result.created, 1000, JSON.stringify(result.rows.find((r) => r.outcome === 'error')));
    assert.equal(registry.count({ tag: 'zone-3' }), 100);
    console.log(`      CSV import: 1,000 rows in ${ms.toFixed(0)} ms`);
    assert.ok(ms < 500, `took ${ms} ms`);
  });
});
