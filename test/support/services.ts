// Real Heatgrid services over a temporary data directory, without the HTTP host, for node tests.
import { loadConfig } from '../../runtime/config.ts';
import { createHeatgridServices } from '../../runtime/create-services.ts';
import { setHeatgridServices, type HeatgridServices } from '../../runtime/services.ts';
import { tempDataDir } from './runtime-process.ts';

export interface TestServices extends HeatgridServices {
  close(): Promise<void>;
}

export async function startTestServices(env: Record<string, string> = {}): Promise<TestServices> {
  const config = loadConfig({ HEATGRID_DATA_DIR: tempDataDir(), HEATGRID_DEMO_DEVICES: '0', HEATGRID_LOG_LEVEL: 'error', ...env });
  // Short timeouts and backoff: tests inject faults and must not wait for production values.
  const created = await createHeatgridServices(config, { linkOptions: { timeoutMs: 500, backoffMinMs: 200, backoffMaxMs: 2000 }, reportTickMs: 0 });
  setHeatgridServices(created.services);
  return {
    ...created.services,
    close: async () => {
      await created.close();
      setHeatgridServices(undefined);
    },
  };
}
