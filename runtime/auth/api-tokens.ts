// API tokens for third parties (billing, optimisation, BI) and the one mapping from login roles to scopes.
// A token is "hg_" + 43 base64url characters (32 random bytes); only its SHA-256 is stored, so a copy of
// the database cannot be replayed. Tokens carry scopes, may expire, can be revoked, and remember when
// they were last used.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ConfigStore } from '../store/config-store.ts';
import type { Role } from './roles.ts';

/**
 * What a caller may do. `read` reads everything but tokens; `write:setpoints` writes controller settings;
 * `manage:alarms` acknowledges and shelves; `manage:devices` changes devices, groups and templates;
 * `manage:rules` edits alarm rules; `admin` is everything (users, tokens) and implies every other scope.
 */
export const SCOPES = ['read', 'write:setpoints', 'manage:alarms', 'manage:devices', 'manage:rules', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** The only place where a login role becomes API scopes (sessions of the operator app use the same checks). */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  viewer: ['read'],
  operator: ['read', 'write:setpoints', 'manage:alarms'],
  engineer: ['read', 'write:setpoints', 'manage:alarms', 'manage:devices', 'manage:rules'],
  admin: SCOPES,
};

export function hasScope(granted: readonly Scope[], required: Scope): boolean {
  return granted.includes('admin') || granted.includes(required);
}

export const TOKEN_PREFIX = 'hg_';
const TOKEN_SHAPE = /^hg_[A-Za-z0-9_-]{43}$/;
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._:/@-]{0,79}$/u;
/** Longest lifetime a token may be given (and the default when none is asked for). */
export const MAX_TOKEN_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;

export interface ApiToken {
  id: string;
  name: string;
  /** First characters of the secret (after hg_), to recognise a token; not usable on its own. */
  prefix: string;
  scopes: Scope[];
  createdBy: string;
  createdAt: number;
  /** null = never expires. */
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface ApiTokenInput {
  name: string;
  scopes: string[];
  /** Epoch ms, or null for no expiry. */
  expiresAt?: number | null;
  createdBy: string;
}

export type ApiTokenErrorCode = 'invalid_token_request' | 'token_not_found';

export class ApiTokenError extends Error {
  readonly code: ApiTokenErrorCode;
  readonly details: { field: string; message: string }[];
  constructor(code: ApiTokenErrorCode, message: string, details: { field: string; message: string }[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** "90d", "12h", "30m", "1y", "never" → milliseconds (null = never). */
export function parseLifetime(text: string): number | null {
  if (text === 'never') return null;
  const m = /^(\d{1,5})([mhdwy])$/.exec(text.trim());
  if (!m) throw new ApiTokenError('invalid_token_request', `expiry "${text}" is not a lifetime such as 90d, 12h, 1y or never`, [{ field: 'expires', message: 'e.g. 90d' }]);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 365 * 86_400_000 }[m[2] as 'm' | 'h' | 'd' | 'w' | 'y'];
  return Number(m[1]) * unit;
}

/** Last-used times are written at most this often per token (a busy integration must not write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiTokenService {
  private readonly store: ConfigStore;
  private readonly now: () => number;

  constructor(store: ConfigStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  list(options: { includeRevoked?: boolean } = {}): ApiToken[] {
    const rows = this.store.db.prepare(`SELECT * FROM api_tokens ${options.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`).all() as unknown as TokenRow[];
    return rows.map(toToken);
  }

  get(id: string): ApiToken | null {
    const row = this.store.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  /** Creates a token; the secret is returned here once and never again. */
  create(input: ApiTokenInput): { token: ApiToken; secret: string } {
    const problems: { field: string; message: string }[] = [];
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!NAME.test(name)) problems.push({ field: 'name', message: '1..80 characters: letters, digits, space . _ : / @ -' });
    const scopes = Array.isArray(input.scopes) ? [...new Set(input.scopes)] : [];
    if (scopes.length === 0) problems.push({ field: 'scopes', message: `at least one of ${SCOPES.join(', ')}` });
    for (const s of scopes) if (!isScope(s)) problems.push({ field: 'scopes', message: `unknown scope "${String(s).slice(0, 40)}" (known: ${SCOPES.join(', ')})` });
    const t = this.now();
    const expiresAt = input.expiresAt === undefined ? t + MAX_TOKEN_LIFETIME_MS : input.expiresAt;
    if (expiresAt !== null && (!Number.isFinite(expiresAt) || expiresAt <= t || expiresAt > t + MAX_TOKEN_LIFETIME_MS)) {
      problems.push({ field: 'expiresAt', message: 'in the future and at most two years away (or null for no expiry)' });
    }
    if (problems.length) throw new ApiTokenError('invalid_token_request', 'invalid token request', problems);
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token: ApiToken = {
      id: randomUUID(),
      name,
      prefix: secret.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 6),
      scopes: scopes as Scope[],
      createdBy: input.createdBy,
      createdAt: t,
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    };
    this.store.db
      .prepare('INSERT INTO api_tokens (id, name, secret_hash, prefix, scopes, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(token.id, token.name, hash(secret), token.prefix, JSON.stringify(token.scopes), token.createdBy, token.createdAt, token.expiresAt);
    return { token, secret };
  }

  /** Revokes a token (kept for the record); revoking twice is harmless. */
  revoke(id: string): ApiToken {
    const token = this.get(id);
    if (!token) throw new ApiTokenError('token_not_found', `no API token "${id}"`);
    if (token.revokedAt !== null) return token;
    const t = this.now();
    this.store.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(t, id);
    return { ...token, revokedAt: t };
  }

  /** The token a bearer secret names, if it is valid now (not expired, not revoked); records its use. */
  resolve(secret: string | undefined): ApiToken | null {
    if (!secret || !TOKEN_SHAPE.test(secret)) return null;
    const row = this.store.db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?').get(hash(secret)) as TokenRow | undefined;
    if (!row) return null;
    const t = this.now();
    if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= t)) return null;
    if (row.last_used_at === null || t - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.store.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(t, row.id);
      row.last_used_at = t;
    }
    return toToken(row);
  }

  static looksLikeToken(secret: string | undefined): boolean {
    return !!secret && secret.startsWith(TOKEN_PREFIX);
  }
}

const byStore = new WeakMap<ConfigStore, ApiTokenService>();

/** The token service of a runtime: the one the host put in services, else one over its config store. */
export function apiTokensOf(services: { store: ConfigStore; apiTokens?: ApiTokenService }): ApiTokenService {
  if (services.apiTokens) return services.apiTokens;
  let tokens = byStore.get(services.store);
  if (!tokens) byStore.set(services.store, (tokens = new ApiTokenService(services.store)));
  return tokens;
}
