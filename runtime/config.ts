// Every setting Heatgrid reads from the environment, parsed and checked in this one place.
// A bad value stops start-up with a ConfigError naming the variable.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface HeatgridConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Unset means the embedded historian in the data directory. */
  questdbUrl: URL | null;
  smtpUrl: URL | null;
  /** Only used when no user exists yet. */
  adminPassword: string | null;
  credentialSecret: string | null;
  /** Simulated ECL controllers started when no device is registered; 0 turns the demo fleet off. */
  demoDevices: number;
  tls: { certFile: string; keyFile: string } | null;
  /** IANA zone for schedules, calendar periods and reports. */
  timeZone: string;
  /** Public base URL used in links in mails (defaults to the listening address). */
  publicUrl: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /**
   * Browser origins allowed to call /api/v1 from other sites (CORS), e.g. https://bi.example.com; empty
   * (the default) = CORS off. "*" allows any origin without credentials (bearer tokens still work).
   */
  corsOrigins: string[];
  /** Historian retention: live samples (every poll) in days, 15-minute readings in years. */
  liveRetentionDays: number;
  readingsRetentionYears: number;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

/** Documented in the README's configuration table; keep the two in step. */
export const CONFIG_VARIABLES = [
  'PORT', 'HOST', 'HEATGRID_DATA_DIR', 'QUESTDB_URL', 'SMTP_URL', 'HEATGRID_ADMIN_PASSWORD',
  'HEATGRID_CREDENTIAL_SECRET', 'HEATGRID_DEMO_DEVICES', 'HEATGRID_TLS_CERT', 'HEATGRID_TLS_KEY',
  'HEATGRID_TIME_ZONE', 'HEATGRID_PUBLIC_URL', 'HEATGRID_LOG_LEVEL', 'HEATGRID_CORS_ORIGINS',
  'HEATGRID_LIVE_RETENTION_DAYS', 'HEATGRID_READINGS_RETENTION_YEARS',
] as const;

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): URL | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL (expected e.g. ${protocols[0]}//host:port)`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `unsupported scheme "${parsed.protocol}", expected one of ${protocols.join(' ')}`);
  }
  return parsed;
}

/** Comma-separated origins (scheme://host[:port]) or "*"; empty = none. */
function origins(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  if (raw === '*') return ['*'];
  return raw.split(',').map((o) => o.trim()).filter(Boolean).map((o) => {
    let parsed: URL;
    try {
      parsed = new URL(o);
    } catch {
      throw new ConfigError(name, `"${o}" is not an origin such as https://bi.example.com`);
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(name, `"${o}" is not an origin (scheme://host[:port], no path), e.g. https://bi.example.com`);
    }
    return parsed.origin;
  });
}

function timeZone(env: Env, name: string): string {
  const raw = env[name]?.trim() || 'Europe/Copenhagen';
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(name, `unknown IANA time zone "${raw}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): HeatgridConfig {
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError('HOST', `not a host name or address: "${host}"`);

  const certFile = env.HEATGRID_TLS_CERT?.trim();
  const keyFile = env.HEATGRID_TLS_KEY?.trim();
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(certFile ? 'HEATGRID_TLS_KEY' : 'HEATGRID_TLS_CERT', 'HTTPS needs both HEATGRID_TLS_CERT and HEATGRID_TLS_KEY');
  }
  for (const [name, file] of [['HEATGRID_TLS_CERT', certFile], ['HEATGRID_TLS_KEY', keyFile]] as const) {
    if (file && !existsSync(resolve(cwd, file))) throw new ConfigError(name, `file not found: ${file}`);
  }

  const adminPassword = env.HEATGRID_ADMIN_PASSWORD || null;
  if (adminPassword !== null && adminPassword.length < 12) {
    throw new ConfigError('HEATGRID_ADMIN_PASSWORD', 'must be at least 12 characters');
  }
  const credentialSecret = env.HEATGRID_CREDENTIAL_SECRET || null;
  if (credentialSecret !== null && credentialSecret.length < 16) {
    throw new ConfigError('HEATGRID_CREDENTIAL_SECRET', 'must be at least 16 characters');
  }
  const logLevel = (env.HEATGRID_LOG_LEVEL?.trim() || 'info') as HeatgridConfig['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(logLevel)) {
    throw new ConfigError('HEATGRID_LOG_LEVEL', `expected fatal|error|warn|info|debug|trace, got "${logLevel}"`);
  }
  const publicUrl = url(env, 'HEATGRID_PUBLIC_URL', ['http:', 'https:']);

  return {
    port: integer(env, 'PORT', 1880, 0, 65535),
    host,
    dataDir: resolve(cwd, env.HEATGRID_DATA_DIR?.trim() || 'data'),
    questdbUrl: url(env, 'QUESTDB_URL', ['http:', 'https:']),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    adminPassword,
    credentialSecret,
    demoDevices: integer(env, 'HEATGRID_DEMO_DEVICES', 20, 0, 20000),
    tls: certFile && keyFile ? { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) } : null,
    timeZone: timeZone(env, 'HEATGRID_TIME_ZONE'),
    publicUrl: publicUrl ? publicUrl.href.replace(/\/$/, '') : null,
    logLevel,
    corsOrigins: origins(env, 'HEATGRID_CORS_ORIGINS'),
    liveRetentionDays: integer(env, 'HEATGRID_LIVE_RETENTION_DAYS', 30, 1, 3650),
    readingsRetentionYears: integer(env, 'HEATGRID_READINGS_RETENTION_YEARS', 10, 1, 100),
  };
}
