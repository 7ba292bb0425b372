// Who is logged in. The session itself is an HttpOnly cookie the app cannot read: the app asks /auth/me.
import { defineStore } from 'pinia';
import { ApiError, request } from '../api/client.ts';
import type { User } from '../api/types.ts';

const WRITE_ROLES = ['admin', 'engineer', 'operator'];

export const useSession = defineStore('session', {
  state: () => ({ user: null as User | null, checked: false, expired: false, expiresAt: null as string | null }),
  getters: {
    loggedIn: (s) => s.user !== null,
    /** Mirrors the server's roles (operators and up write setpoints and handle alarms); the API decides. */
    canWrite: (s) => !!s.user && WRITE_ROLES.includes(s.user.role),
    /** Engineers and admins: alarm rules, devices, groups, reports (scopes manage:rules, manage:devices). */
    canEngineer: (s) => !!s.user && (s.user.role === 'admin' || s.user.role === 'engineer'),
    isAdmin: (s) => s.user?.role === 'admin',
  },
  actions: {
    async check(): Promise<boolean> {
      try {
        const me = await request<{ user: User }>('GET', '/auth/me', { quiet401: true });
        this.user = me.user;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err;
        this.user = null;
      }
      this.checked = true;
      return this.user !== null;
    },
    async login(username: string, password: string): Promise<void> {
      const res = await request<{ user: User; expiresAt: string }>('POST', '/auth/login', { body: { username, password }, quiet401: true });
      this.user = res.user;
      this.expiresAt = res.expiresAt;
      this.expired = false;
      this.checked = true;
    },
    async logout(): Promise<void> {
      try {
        await request('POST', '/auth/logout', { quiet401: true });
      } finally {
        this.user = null;
      }
    },
    async changePassword(currentPassword: string, newPassword: string): Promise<void> {
      await request('POST', '/auth/password', { body: { currentPassword, newPassword }, quiet401: true });
      this.user = null; // the server ends the session with the change
    },
    sessionEnded() {
      if (this.user) this.expired = true;
      this.user = null;
    },
  },
});
