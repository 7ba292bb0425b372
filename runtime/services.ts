// The domain services of one Heatgrid runtime. The host creates them; our Node-RED nodes reach them
// through `heatgridServices()` (a process-wide slot, so nodes loaded by Node-RED's own module loader
// see the same instances as the host, whether code runs from source or from dist/).
import type { HeatgridConfig } from './config.ts';
import type { ConfigStore } from './store/config-store.ts';
import type { UserService } from './auth/users.ts';
import type { SessionService } from './auth/sessions.ts';
import type { HealthRegistry } from './health.ts';
import type { FleetService } from './fleet/fleet-service.ts';
import type { DeviceRegistry } from './devices/registry.ts';
import type { SmartGroupService } from './devices/smart-groups.ts';
import type { SelectionResolver } from './devices/selection.ts';
import type { TemplateStore } from './templates/template-store.ts';
import type { Historian } from './historian/historian.ts';
import type { ControlService } from './control/control-service.ts';
import type { AlarmService } from './alarms/alarm-service.ts';
import type { ApiTokenService } from './auth/api-tokens.ts';
import type { ReportService } from './reports/report-service.ts';

export interface HeatgridServices {
  config: HeatgridConfig;
  store: ConfigStore;
  users: UserService;
  sessions: SessionService;
  health: HealthRegistry;
  registry: DeviceRegistry;
  templates: TemplateStore;
  groups: SmartGroupService;
  selections: SelectionResolver;
  /** Field side: links, device status, poll loops. */
  fleet: FleetService;
  historian: Historian;
  /** Setpoint writes (single and group) with read-back and audit. */
  control: ControlService;
  /** Alarm engine, rules, journal queries and alarm events (absent until the host wires it). */
  alarms: AlarmService;
  apiTokens: ApiTokenService;
  /** Report definitions, runs, schedules and delivery (absent until the host wires it). */
  reports: ReportService;
}

const SLOT = Symbol.for('heatgrid.services');
type Slot = { [SLOT]?: HeatgridServices };

export function setHeatgridServices(services: HeatgridServices | undefined): void {
  (globalThis as Slot)[SLOT] = services;
}

/** The running services, or null when the host is not running (e.g. a flow opened in a plain Node-RED). */
export function runningHeatgridServices(): HeatgridServices | null {
  return (globalThis as Slot)[SLOT] ?? null;
}

export function heatgridServices(): HeatgridServices {
  const services = runningHeatgridServices();
  if (!services) throw new Error('Heatgrid services are not running in this process (start the runtime with `npm start`)');
  return services;
}
