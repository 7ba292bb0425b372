// A 1,000-device month report within memory bounds. Measured in a fresh process (bench/reports.ts), so
// the figure is the report's own and not the test runner's garbage: 1,000 devices, a month of readings
// every 6 hours (the full 15-minute run is `npm run bench -- reports`, figures in docs/reports.md), daily
// rows, all four formats; peak RSS growth while generating must stay under the bound.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const BOUND_MB = 256;

describe('report memory (reports/)', function () {
  this.timeout(90_000);

  it(`a 1,000-device month report in CSV, XLSX, PDF and HTML grows RSS by less than ${BOUND_MB} MB`, async () => {
    const bench = fileURLToPath(new URL('../bench/reports.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', bench, '1000', '360', '1d', 'csv,xlsx,pdf,html'], { maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { devices: number; peakRssGrowthMB: number; peakHeapGrowthMB: number; generateS: number };
    console.log(`      1,000 devices: generated in ${result.generateS} s, peak RSS growth ${result.peakRssGrowthMB} MB, heap ${result.peakHeapGrowthMB} MB`);
    assert.equal(result.devices, 1000);
    assert.ok(result.peakRssGrowthMB < BOUND_MB, `peak RSS growth ${result.peakRssGrowthMB} MB`);
  });
});
