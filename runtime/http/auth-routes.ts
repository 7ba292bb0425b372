// POST /auth/login, POST /auth/logout, GET /auth/me, POST /auth/password: the operator app's login.
import express, { type Router } from 'express';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionService } from '../auth/sessions.ts';
import { UserError, type UserService } from '../auth/users.ts';
import { readCookie } from './cookies.ts';
import { sendError } from './errors.ts';
import { requireLogin } from './auth-middleware.ts';

export interface AuthRoutesDeps {
  users: UserService;
  sessions: SessionService;
  limiter: LoginLimiter;
  secureCookies: boolean;
}

export function authRoutes({ users, sessions, limiter, secureCookies }: AuthRoutesDeps): Router {
  const router = express.Router();
  router.use(express.json({ limit: '8kb' }));

  router.post('/login', async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string') {
      return sendError(res, 400, 'invalid_body', 'Send JSON {"username": "...", "password": "..."}');
    }
    const keys = [`ip:${req.ip}`, `user:${username}`];
    const wait = limiter.retryAfterMs(keys);
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      return sendError(res, 429, 'too_many_attempts', 'Too many failed logins; try again later');
    }
    const user = await users.verify(username, password);
    if (!user) {
      limiter.recordFailure(keys);
      return sendError(res, 401, 'invalid_credentials', 'Wrong username or password');
    }
    limiter.recordSuccess(keys);
    const session = sessions.create(user.username);
    res.cookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookies,
      path: '/',
      maxAge: SESSION_TTL_MS,
    });
    res.json({ user: { username: user.username, role: user.role, language: user.language }, token: session.token, expiresAt: new Date(session.expiresAt).toISOString() });
  });

  router.post('/logout', (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) sessions.revoke(token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  router.get('/me', requireLogin(), (req, res) => {
    const { user } = req.principal!;
    res.json({ user: { username: user.username, role: user.role, language: user.language } });
  });

  router.post('/password', requireLogin(), async (req, res) => {
    const { currentPassword, newPassword } = (req.body ?? {}) as { currentPassword?: unknown; newPassword?: unknown };
    if (typeof currentPassword !== 'string' || typeof newPassword !== 'string') {
      return sendError(res, 400, 'invalid_body', 'Send JSON {"currentPassword": "...", "newPassword": "..."}');
    }
    const username = req.principal!.user.username;
    if (!(await users.verify(username, currentPassword))) return sendError(res, 403, 'invalid_credentials', 'Current password is wrong');
    try {
      await users.setPassword(username, newPassword);
    } catch (err) {
      if (err instanceof UserError) return sendError(res, 422, err.code, err.message);
      throw err;
    }
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  return router;
}
