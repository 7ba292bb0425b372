// Refuses anonymous requests to the API and the dashboard. A request is authenticated by the session
// cookie, by `Authorization: Bearer <session token>`, or (under /api only) by `Authorization: Bearer hg_...`,
// an API token with scopes. Tokens are API credentials: they never open /auth, /admin or /dashboard.
import type { Request, RequestHandler } from 'express';
import type { SessionService } from '../auth/sessions.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import type { User } from '../auth/users.ts';
import type { Role } from '../auth/roles.ts';
import { apiTokensOf, ApiTokenService, ROLE_SCOPES, type ApiToken, type Scope } from '../auth/api-tokens.ts';
import { heatgridServices } from '../services.ts';
import { readCookie } from './cookies.ts';
import { sendError } from './errors.ts';

/** A logged-in user (session cookie or session bearer token). */
export interface Principal {
  kind: 'user';
  user: User;
  role: Role;
}

/** A third party calling with an API token. Kept apart from `principal` so user-only routes stay user-only. */
export interface TokenPrincipal {
  kind: 'token';
  token: ApiToken;
  scopes: readonly Scope[];
}

/** Whoever is calling, as the API sees it: scopes decide, `actor` goes into the audit log. */
export interface Caller {
  kind: 'user' | 'token';
  /** User name, or `token:<id>` (the audit log's actor). */
  actor: string;
  scopes: readonly Scope[];
  /** Key of the caller's rate-limit bucket. */
  key: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
      apiToken?: TokenPrincipal;
    }
  }
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function callerOf(req: { principal?: Principal; apiToken?: TokenPrincipal }): Caller | null {
  if (req.principal) return { kind: 'user', actor: req.principal.user.username, scopes: ROLE_SCOPES[req.principal.role], key: `user:${req.principal.user.username}` };
  if (req.apiToken) return { kind: 'token', actor: `token:${req.apiToken.token.id}`, scopes: req.apiToken.scopes, key: `token:${req.apiToken.token.id}` };
  return null;
}

const API_PATH = /^\/api(?:\/|$)/;

/** `tokens` defaults to the runtime's token service (looked up on first use). */
export function authenticate(sessions: SessionService, tokens?: ApiTokenService): RequestHandler {
  return (req, _res, next) => {
    const bearer = bearerToken(req);
    if (ApiTokenService.looksLikeToken(bearer)) {
      if (API_PATH.test(req.path)) {
        const token = (tokens ??= apiTokensOf(heatgridServices())).resolve(bearer);
        if (token) req.apiToken = { kind: 'token', token, scopes: token.scopes };
      }
      return next();
    }
    const user = sessions.resolve(readCookie(req, SESSION_COOKIE) ?? bearer);
    if (user) req.principal = { kind: 'user', user, role: user.role };
    next();
  };
}

export function requireLogin(): RequestHandler {
  return (req, res, next) => {
    if (req.principal || req.apiToken) return next();
    // CORS preflights carry no credentials by design; the API's CORS handler answers them.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] && API_PATH.test(req.originalUrl)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="heatgrid"');
    sendError(res, 401, 'unauthenticated', 'Log in or send a bearer token');
  };
}
