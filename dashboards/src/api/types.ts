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
/** As the alarms API is expected to answer (docs/operator-app.md). */
export interface Alarm {
  id: string;
  device: string;
  deviceName?: string;
  rule?: string;
  point?: string | null;
  priority: number | string;
  state: string;
  message: string;
  since: string;
  value?: number | null;
}
