// The user store: usernames, roles and bcrypt hashes in the config store. Passwords never leave this file
// in clear text, and only their hashes are persisted.
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import type { ConfigStore } from '../store/config-store.ts';
import { isRole, type Role } from './roles.ts';

export interface User {
  username: string;
  role: Role;
  language: string;
  createdAt: number;
  updatedAt: number;
}

export class UserError extends Error {
  readonly code: 'invalid_username' | 'weak_password' | 'invalid_role' | 'user_exists' | 'user_not_found' | 'last_admin';
  constructor(code: UserError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const BCRYPT_ROUNDS = 12;
export const MIN_PASSWORD_LENGTH = 12;
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

interface UserRow {
  username: string;
  password_hash: string;
  role: string;
  language: string;
  created_at: number;
  updated_at: number;
}

function toUser(row: UserRow): User {
  return { username: row.username, role: row.role as Role, language: row.language, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** 24 characters from a 57-symbol alphabet without look-alikes: ~140 bits. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(48);
  let out = '';
  for (const b of bytes) {
    if (b >= alphabet.length * 4) continue; // rejection sampling keeps the choice uniform
    out += alphabet[b % alphabet.length];
    if (out.length === 24) return out;
  }
  return out + generatePassword().slice(0, 24 - out.length);
}

export class UserService {
  private readonly store: ConfigStore;
  private readonly now: () => number;

  constructor(store: ConfigStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  count(): number {
    return Number((this.store.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n);
  }

  list(): User[] {
    return (this.store.db.prepare('SELECT * FROM users ORDER BY username').all() as unknown as UserRow[]).map(toUser);
  }

  get(username: string): User | null {
    const row = this.store.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async add(username: string, password: string, role: Role, language = 'en'): Promise<User> {
    if (!USERNAME.test(username)) throw new UserError('invalid_username', 'username: 2-64 characters a-z 0-9 . _ -, starting with a letter or digit');
    if (!isRole(role)) throw new UserError('invalid_role', `role must be one of admin, engineer, operator, viewer`);
    checkPassword(password);
    if (this.get(username)) throw new UserError('user_exists', `user "${username}" exists already`);
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    const t = this.now();
    this.store.db
      .prepare('INSERT INTO users(username, password_hash, role, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(username, hash, role, language, t, t);
    return this.get(username)!;
  }

  async setPassword(username: string, password: string): Promise<void> {
    checkPassword(password);
    if (!this.get(username)) throw new UserError('user_not_found', `no user "${username}"`);
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    this.store.transaction(() => {
      this.store.db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?').run(hash, this.now(), username);
      // A new password ends every session of that user.
      this.store.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
    });
  }

  setRole(username: string, role: Role): void {
    if (!isRole(role)) throw new UserError('invalid_role', `role must be one of admin, engineer, operator, viewer`);
    const user = this.get(username);
    if (!user) throw new UserError('user_not_found', `no user "${username}"`);
    if (user.role === 'admin' && role !== 'admin' && this.adminCount() === 1) {
      throw new UserError('last_admin', 'the last admin cannot lose the admin role');
    }
    this.store.db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE username = ?').run(role, this.now(), username);
  }

  remove(username: string): void {
    const user = this.get(username);
    if (!user) throw new UserError('user_not_found', `no user "${username}"`);
    if (user.role === 'admin' && this.adminCount() === 1) throw new UserError('last_admin', 'the last admin cannot be removed');
    this.store.db.prepare('DELETE FROM users WHERE username = ?').run(username);
  }

  /** Returns the user when the password matches; constant work whether or not the user exists. */
  async verify(username: string, password: string): Promise<User | null> {
    const row = this.store.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    const ok = await bcrypt.compare(password, row?.password_hash ?? (await dummyHash()));
    return row && ok ? toUser(row) : null;
  }

  private adminCount(): number {
    return Number((this.store.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n);
  }
}

// A hash of a random string at the same cost, so that unknown users take as long as wrong passwords.
let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= bcrypt.hash(randomBytes(16).toString('hex'), BCRYPT_ROUNDS);
  return dummy;
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new UserError('weak_password', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}
