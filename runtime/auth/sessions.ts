// Login sessions for the operator app, the dashboard and /api: a random token in an HttpOnly cookie,
// stored only as its SHA-256 hash so a copy of the database cannot be replayed.
import { createHash, randomBytes } from 'node:crypto';
import type { ConfigStore } from '../store/config-store.ts';
import type { User, UserService } from './users.ts';

export const SESSION_COOKIE = 'heatgrid_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SessionService {
  private readonly store: ConfigStore;
  private readonly users: UserService;
  private readonly now: () => number;

  constructor(store: ConfigStore, users: UserService, now: () => number = Date.now) {
    this.store = store;
    this.users = users;
    this.now = now;
  }

  create(username: string): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const t = this.now();
    const expiresAt = t + SESSION_TTL_MS;
    this.store.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(t);
    this.store.db.prepare('INSERT INTO sessions(token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)').run(hashToken(token), username, t, expiresAt);
    return { token, expiresAt };
  }

  /** The session's user, or null when the token is unknown or expired. */
  resolve(token: string | undefined): User | null {
    if (!token) return null;
    const row = this.store.db.prepare('SELECT username, expires_at FROM sessions WHERE token_hash = ?').get(hashToken(token)) as
      | { username: string; expires_at: number }
      | undefined;
    if (!row || row.expires_at <= this.now()) return null;
    return this.users.get(row.username);
  }

  revoke(token: string): void {
    this.store.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
  }
}
