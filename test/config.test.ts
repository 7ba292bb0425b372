// Configuration: documented defaults, and the README's table naming every variable the runtime reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../runtime/config.ts';
import { projectRoot } from '../runtime/paths.ts';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, '/srv/heatgrid');
    assert.equal(config.port, 1880);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, '/srv/heatgrid/data');
    assert.equal(config.questdbUrl, null);
    assert.equal(config.demoDevices, 20);
    assert.equal(config.liveRetentionDays, 30);
    assert.equal(config.readingsRetentionYears, 10);
  });

  it('documents every variable in the README', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    for (const variable of CONFIG_VARIABLES) assert.ok(readme.includes(`\`${variable}\``), `${variable} is missing from the README's configuration table`);
  });

  it('names the variable when HTTPS is half configured', () => {
    assert.throws(() => loadConfig({ HEATGRID_TLS_CERT: 'cert.pem' }), (err: ConfigError) => err.variable === 'HEATGRID_TLS_KEY');
  });
});
