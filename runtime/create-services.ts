// Builds the domain services of one runtime over a data directory, wired to each other; the host and
// the node tests both use it, so there is one place that decides how the services fit together.
import type { HeatgridConfig } from './config.ts';
import { ConfigStore } from './store/config-store.ts';
import { UserService } from './auth/users.ts';
import { SessionService } from './auth/sessions.ts';
import { ApiTokenService } from './auth/api-tokens.ts';
import { HealthRegistry } from './health.ts';
import { TemplateStore } from './templates/template-store.ts';
import { DeviceRegistry } from './devices/registry.ts';
import { SmartGroupService } from './devices/smart-groups.ts';
import { SelectionResolver } from './devices/selection.ts';
import { FleetService } from './fleet/fleet-service.ts';
import { createHistorian } from './historian/create-historian.ts';
import { AlarmService } from './alarms/alarm-service.ts';
import { ControlService } from './control/control-service.ts';
import { ReportService } from './reports/report-service.ts';
import type { LinkOptions } from './drivers/modbus/controller-link.ts';
import { createLogger } from './log.ts';
import type { HeatgridServices } from './services.ts';

export interface CreatedServices {
  services: HeatgridServices;
  /** Stops writes and polling, flushes the historian, closes the store, in that order. */
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  linkOptions?: Partial<LinkOptions>;
  /** Base URL for links in mails; known to the host only once it listens. */
  publicUrl?: () => string;
  /** Report schedule check period; 0 = no timers (tests drive the service). */
  reportTickMs?: number;
}

export async function createHeatgridServices(config: HeatgridConfig, options: CreateServicesOptions = {}): Promise<CreatedServices> {
  const log = createLogger('host', config.logLevel);
  const store = new ConfigStore(config.dataDir);
  const users = new UserService(store);
  const templates = new TemplateStore(store);
  const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
  const groups = new SmartGroupService(store, registry);
  const selections = new SelectionResolver({ registry, groups });
  const templateFor = (device: Parameters<TemplateStore['templateFor']>[0]) => templates.templateFor(device).template;
  const fleet = new FleetService({
    resolve: (selection) => selections.resolve(selection, { enabledOnly: true }),
    templateFor,
    onApplicationDetected: (device, application) => {
      // Several poll loops may identify the same controller; log the first identification only.
      if (registry.get(device.id)?.application === application) return;
      registry.setApplication(device.id, application);
      log.info(`device ${device.id}: detected application ${application}`);
    },
    ...(options.linkOptions ? { linkOptions: options.linkOptions } : {}),
  });
  const historian = await createHistorian(config, createLogger('historian', config.logLevel), {
    liveRetentionDays: config.liveRetentionDays,
    readingsRetentionYears: config.readingsRetentionYears,
  });
  const alarms = new AlarmService({ store, historian, timeZone: config.timeZone, groups, log: createLogger('alarms', config.logLevel) });
  groups.setStatusSource({ statusOf: (id) => fleet.statuses.statusOf(id), hasActiveAlarm: (id) => alarms.hasActiveAlarm(id) });
  const control = new ControlService({ fleet, historian, registry, selections, templateFor });
  const publicUrl = options.publicUrl ?? (() => config.publicUrl ?? '');
  const reports = new ReportService({
    store,
    historian,
    selections,
    timeZone: config.timeZone,
    dataDir: config.dataDir,
    smtp: config.smtpUrl,
    downloadUrl: (run, file) => `${publicUrl()}/api/v1/report-runs/${encodeURIComponent(run)}/files/${encodeURIComponent(file)}`,
    log: createLogger('reports', config.logLevel),
    ...(options.reportTickMs !== undefined ? { tickMs: options.reportTickMs } : {}),
  });
  const services: HeatgridServices = {
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
    reports,
    apiTokens: new ApiTokenService(store),
  };
  services.health.register('storage', () => historian.health());
  services.health.register('devices', () => ({ ok: true, registered: registry.count(), ...fleet.summary() }));
  services.health.register('reports', () => reports.health());
  alarms.start();
  return {
    services,
    close: async () => {
      await control.close();
      await fleet.close();
      await reports.close(); // waits for a run in progress; an interrupted run is redone on the next start
      alarms.close();
      await historian.close(); // flushes what is still buffered
      store.close();
    },
  };
}
