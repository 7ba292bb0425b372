// Real Heatgrid services over a temporary data directory, without the HTTP host, for node tests.
import { loadConfig } from '../../runtime/config.ts';
import { ConfigStore } from '../../runtime/store/config-store.ts';
import { UserService } from '../../runtime/auth/users.ts';
import { SessionService } from '../../runtime/auth/sessions.ts';
import { HealthRegistry } from '../../runtime/health.ts';
import { TemplateStore } from '../../runtime/templates/template-store.ts';
import { DeviceRegistry } from '../../runtime/devices/registry.ts';
import { SmartGroupService } from '../../runtime/devices/smart-groups.ts';
import { SelectionResolver } from '../../runtime/devices/selection.ts';
import { FleetService } from '../../runtime/fleet/fleet-service.ts';
import { createHistorian } from '../../runtime/historian/create-historian.ts';
import { AlarmService } from '../../runtime/alarms/alarm-service.ts';
import { createLogger } from '../../runtime/log.ts';
import { ControlService } from '../../runtime/control/control-service.ts';
import { ApiTokenService } from '../../runtime/auth/api-tokens.ts';
import { setHeatgridServices, type HeatgridServices } from '../../runtime/services.ts';
import { tempDataDir } from './runtime-process.ts';

export interface TestServices extends HeatgridServices {
  close(): Promise<void>;
}

export async function startTestServices(env: Record<string, string> = {}): Promise<TestServices> {
  const config = loadConfig({ HEATGRID_DATA_DIR: tempDataDir(), HEATGRID_DEMO_DEVICES: '0', HEATGRID_LOG_LEVEL: 'error', ...env });
  const store = new ConfigStore(config.dataDir);
  const users = new UserService(store);
  const templates = new TemplateStore(store);
  const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
  const groups = new SmartGroupService(store, registry);
  const selections = new SelectionResolver({ registry, groups });
  const fleet = new FleetService({
    resolve: (selection) => selections.resolve(selection, { enabledOnly: true }),
    templateFor: (device) => templates.templateFor(device).template,
    onApplicationDetected: (device, application) => registry.setApplication(device.id, application),
    linkOptions: { timeoutMs: 500, backoffMinMs: 200, backoffMaxMs: 2000 },
  });
  const historian = await createHistorian(config);
  const alarms = new AlarmService({ store, historian, timeZone: config.timeZone, groups, log: createLogger('alarms', 'error') });
  groups.setStatusSource({ statusOf: (id) => fleet.statuses.statusOf(id), hasActiveAlarm: (id) => alarms.hasActiveAlarm(id) });
  alarms.start();
  const control = new ControlService({ fleet, historian, registry, selections, templateFor: (device) => templates.templateFor(device).template });
  const services: TestServices = {
    config,
    store,
    users,
    sessions: new SessionService(store, users),
    health: new HealthRegistry(),
    registry,
    templates,
    groups,
    selections,
    fleet,
    historian,
    alarms,
    control,
    apiTokens: new ApiTokenService(store),
    close: async () => {
      await control.close();
      await fleet.close();
      alarms.close();
      await historian.close();
      store.close();
      setHeatgridServices(undefined);
    },
  };
  setHeatgridServices(services);
  return services;
}
