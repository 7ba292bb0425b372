// Shipped flows are installed on first start and never silently overwrite a user's edits.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { installShippedFlows, resetToShippedFlows } from '../runtime/flows/shipped-flows.ts';
import { tempDataDir } from './support/runtime-process.ts';

describe('shipped flows', () => {
  let dir: string;
  let shipped: string;
  let store: ConfigStore;
  let flowFile: string;
  const ship = (label: string) => writeFileSync(join(shipped, '10-poll.json'), JSON.stringify([{ id: 'tab1', type: 'tab', label }]));
  const labels = () => (JSON.parse(readFileSync(flowFile, 'utf8')) as { label?: string }[]).map((n) => n.label ?? '');

  beforeEach(() => {
    dir = tempDataDir();
    shipped = join(dir, 'shipped');
    mkdirSync(shipped);
    store = new ConfigStore(dir);
    flowFile = join(dir, 'flows.json');
  });
  afterEach(() => store.close());

  it('installs on first start, upgrades untouched flows, keeps edited ones, and resets with a backup', () => {
    ship('Fleet polling v1');
    assert.equal(installShippedFlows(flowFile, shipped, store), 'installed');
    assert.deepEqual(labels(), ['Fleet polling v1']);
    assert.equal(installShippedFlows(flowFile, shipped, store), 'unchanged');

    ship('Fleet polling v2');
    assert.equal(installShippedFlows(flowFile, shipped, store), 'upgraded');
    assert.deepEqual(labels(), ['Fleet polling v2']);

    // The user edits their flows in the editor; a newer release must not overwrite them.
    writeFileSync(flowFile, JSON.stringify([{ id: 'tab1', type: 'tab', label: 'Fleet polling v2' }, { id: 'mine', type: 'tab', label: 'My SMS alarms' }]));
    ship('Fleet polling v3');
    assert.equal(installShippedFlows(flowFile, shipped, store), 'kept-user-edits');
    assert.deepEqual(labels(), ['Fleet polling v2', 'My SMS alarms']);

    const { backup } = resetToShippedFlows(flowFile, shipped, store);
    assert.deepEqual(labels(), ['Fleet polling v3']);
    assert.ok(backup && existsSync(backup));
    assert.match(readFileSync(backup, 'utf8'), /My SMS alarms/);
  });

  it('refuses shipped flows that reuse a node id', () => {
    writeFileSync(join(shipped, '10-a.json'), JSON.stringify([{ id: 'x', type: 'tab' }]));
    writeFileSync(join(shipped, '20-b.json'), JSON.stringify([{ id: 'x', type: 'tab' }]));
    assert.throws(() => installShippedFlows(flowFile, shipped, store), /node id x is used twice/);
  });
});
