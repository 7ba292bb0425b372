// Bodies of /api/v1 as the app uses them (see /api/v1/openapi.json for the full schemas).
export interface DeviceStatus {
  state: 'online' | 'offline' | 'unknown' | string;
  since: string | null;
  lastSuccess: string | null;
  lastError: string | null;
}
export interface Device {
  id: string;
  name: string;
  model: string;
  application: string | null;
  address: string;
  lat: number | null;
  lon: number | null;
  tags: string[];
  enabled: boolean;
  templateId?: string | null;
  status: DeviceStatus;
}
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
export interface Group {
  id: string;
  name: string;
  description?: string;
  memberCount: number;
}
export interface LatestItem {
  device: string;
  point: string;
  ts: string;
  value: number | null;
  quality?: string;
}
export interface HistorySeries {
  point: string;
  rows: { ts: string; value: number | null }[];
}
export interface History {
  device: string;
  from: string;
  to: string;
  interval: string;
  series: HistorySeries[];
}
export interface User {
  username: string;
  role: 'admin' | 'engineer' | 'operator' | 'viewer';
  language: string | null;
}
/** GET /api/v1/alarms items (runtime/api/schemas.ts Alarm). */
export type Priority = 'low' | 'medium' | 'high' | 'critical';
export interface Alarm {
  id: string;
  ruleId: string;
  kind: 'threshold' | 'controller' | 'offline';
  device: string;
  deviceName: string;
  point: string | null;
  priority: Priority;
  state: string;
  displayState: string;
  activeSince: string | null;
  changedAt: string;
  value: number | null;
  limit: number | null;
  message: string;
  ack: { at: string; by: string; comment: string } | null;
  shelved: { at: string; until: string; by: string; comment: string } | null;
}
export interface JournalEntry {
  ts: string;
  alarmId: string;
  ruleId: string;
  device: string;
  point: string | null;
  stateFrom: string;
  stateTo: string;
  priority: Priority | null;
  value: number | null;
  limit: number | null;
  user: string | null;
  comment: string | null;
}
export interface AlarmLoad {
  from: string;
  to: string;
  alarms: number;
  reAlarms: number;
  perTenMinutes: { average: number; peak: number; buckets: { ts: string; count: number }[] };
  flood: { buckets: number; timeS: number; share: number };
  standing: { alarmId: string; ruleId: string; device: string; activeSince: string; durationS: number }[];
  chattering: { alarmId: string; ruleId: string; device: string; activations: number; maxInWindow: number }[];
  top: { alarmId: string; ruleId: string; device: string; count: number }[];
  priorities: Record<Priority, number>;
}
export type Selection = { device: string } | { devices: string[] } | { group: string } | { all: true };
export type Condition = { type: 'high' | 'low' | 'rate'; limit: number } | { type: 'band'; low: number; high: number };
export interface AlarmRule {
  id: string;
  name: string;
  kind: 'threshold' | 'controller' | 'offline';
  enabled: boolean;
  devices: Selection;
  priority: Priority;
  onDelayS: number;
  offDelayS: number;
  reAlarmS: number;
  point?: string;
  condition?: Condition;
  deadband?: number;
  numbers?: number[];
  afterS?: number;
  receivers: { email: string; language: string }[];
  schedule?: { days: number[]; from: string; to: string } | null;
  notifyDelayS?: number;
  notifyOnReturn?: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface TemplatePoint {
  key: string;
  label: string;
  unit: string;
  access: 'r' | 'rw';
  kind: string;
  cadence: 'live' | 'settings';
  scale: number;
  min?: number;
  max?: number;
}
export interface Template {
  id: string;
  name: string;
  application: string | null;
  points: TemplatePoint[];
}
export interface WriteResult {
  device: string;
  point: string;
  outcome: 'written' | 'unchanged' | 'refused' | 'failed' | 'offline';
  code: string | null;
  message: string | null;
  oldValue: number | null;
  requestedValue: number;
  readBack: number | null;
  ts: string;
}
export interface AuditEntry {
  ts: string;
  actor: string;
  action: string;
  device: string | null;
  point: string | null;
  oldValue: string | number | boolean | null;
  newValue: string | number | boolean | null;
  outcome: string;
  detail: string | null;
}
export interface FieldProblem {
  field: string;
  message: string;
}
