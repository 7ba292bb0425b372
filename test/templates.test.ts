import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { TemplateStore, TemplateStoreError } from '../runtime/templates/template-store.ts';
import { DeviceRegistry } from '../runtime/devices/registry.ts';

const examplePath = new URL('../runtime/templates/examples/generic-heat-meter.json', import.meta.url);
const example = () => JSON.parse(readFileSync(examplePath, 'utf8'));

function catchTemplateError(work: () => unknown): TemplateStoreError {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof TemplateStoreError, `expected a TemplateStoreError, got ${err}`);
    return err;
  }
  assert.fail('expected a TemplateStoreError');
}

describe('template store', function () {
  let dir: string;
  let store: ConfigStore;
  let templates: TemplateStore;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'heatgrid-templates-'));
    store = new ConfigStore(dir);
    templates = new TemplateStore(store);
  });
  afterEach(function () {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the built-in ECL templates, which cannot be deleted or shadowed', function () {
    const ids = templates.list().map((t) => t.id);
    assert.ok(ids.includes('ecl-comfort/A266') && ids.includes('ecl-comfort/A230'));
    assert.equal(catchTemplateError(() => templates.delete('ecl-comfort/A266')).code, 'template_builtin');
    assert.equal(catchTemplateError(() => templates.add({ ...example(), id: 'ecl-comfort/custom' })).code, 'template_builtin');
  });

  it('accepts the shipped third-party heat meter example and keeps it across a restart', function () {
    const added = templates.add(example());
    assert.equal(added.source, 'user');
    const energy = added.points.find((p) => p.key === 'heat_energy_kwh')!;
    assert.deepEqual([energy.type, energy.unit, energy.kind], ['uint32', 'kWh', 'counter']);
    store.close();
    store = new ConfigStore(dir);
    templates = new TemplateStore(store);
    assert.deepEqual(templates.get('generic/heat-meter-modbus'), added);
    assert.equal(catchTemplateError(() => templates.add(example())).code, 'template_exists');
    const renamed = templates.replace({ ...example(), name: 'Renamed meter' });
    assert.equal(templates.get(renamed.id)!.name, 'Renamed meter');
    templates.delete(renamed.id);
    assert.equal(templates.get(renamed.id), null);
  });

  it('lists every problem of an invalid user template, overlapping registers included', function () {
    const bad = example();
    bad.points[0].key = 'Supply Temp';
    bad.points[1].type = 'float64';
    bad.points[9].max = undefined; // writable without a range
    bad.points[4].register = 5; // int32 at 5..6 overlaps the uint32 flow at 4..5
    const err = catchTemplateError(() => templates.add(bad));
    assert.equal(err.code, 'invalid_template');
    assert.equal(err.details.length, 3, err.message);
    assert.match(err.message, /points\[0\] \(Supply Temp\)\.key: lower_snake_case/);
    assert.match(err.message, /points\[1\] \(return_temp_c\)\.type/);
    assert.match(err.message, /points\[9\] \(averaging_period_s\): writable points need min and max/);
    const overlap = catchTemplateError(() => templates.add({ ...example(), points: example().points.map((p: { key: string; register: number }) => (p.key === 'heat_power_kw' ? { ...p, register: 5 } : p)) }));
    assert.deepEqual(overlap.details, ['points[4] (heat_power_kw): input register 5 overlaps points[3] (heat_flow_m3h, registers 4..5)']);
    assert.equal(templates.list().filter((t) => t.source === 'user').length, 0);
  });

  it('resolves the template of a device, or says why there is none', function () {
    templates.add(example());
    const ecl = { model: 'ecl-comfort-310', templateId: null };
    assert.equal(templates.templateFor({ ...ecl, application: 'A266.1' }).template?.id, 'ecl-comfort/A266');
    assert.equal(templates.templateFor({ ...ecl, model: 'ecl-comfort-296', application: 'A230' }).template?.id, 'ecl-comfort/A230');
    const unknownYet = templates.templateFor({ ...ecl, application: null });
    assert.equal(unknownYet.template, null);
    assert.match(unknownYet.reason!, /PNU 2060-2063/);
    assert.match(templates.templateFor({ ...ecl, application: 'A368.1' }).reason!, /A368\.1 is not modelled/);
    assert.equal(templates.templateFor({ model: 'generic-heat-meter', application: null, templateId: null }).template?.id, 'generic/heat-meter-modbus');
    assert.equal(templates.templateFor({ model: 'acme-x', application: null, templateId: 'generic/heat-meter-modbus' }).template?.id, 'generic/heat-meter-modbus');
    assert.match(templates.templateFor({ model: 'acme-x', application: null, templateId: null }).reason!, /no template for model "acme-x"/);
    assert.match(templates.templateFor({ model: 'acme-x', application: null, templateId: 'gone' }).reason!, /"gone" does not exist/);
  });

  it('lets the registry refuse a device naming a template that does not exist', function () {
    const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
    assert.throws(
      () => registry.create({ name: 'm', model: 'acme-x', templateId: 'generic/heat-meter-modbus', connection: { kind: 'modbus-tcp', host: '10.0.0.9', port: 502, unitId: 1 } }),
      /templateId: no template "generic\/heat-meter-modbus"/,
    );
    templates.add(example());
    assert.equal(registry.create({ name: 'm', model: 'acme-x', templateId: 'generic/heat-meter-modbus', connection: { kind: 'modbus-tcp', host: '10.0.0.9', port: 502, unitId: 1 } }).id, 'm');
  });

  it('sees a template added through another connection to the same file (the CLI)', function () {
    const cli = new ConfigStore(dir);
    new TemplateStore(cli).add(example());
    cli.close();
    assert.ok(templates.has('generic/heat-meter-modbus'));
  });
});
