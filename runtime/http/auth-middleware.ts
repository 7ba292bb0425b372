// Refuses anonymous requests to the API and the dashboard. A request is authenticated by the session
// cookie or by `Authorization: Bearer <session token>`; API tokens with scopes plug in here later.
import type { Request, RequestHandler } from 'express';
import type { SessionService } from '../auth/sessions.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import type { User } from '../auth/users.ts';
import type { Role } from '../auth/roles.ts';
import { readCookie } from './cookies.ts';
import { sendError } from './errors.ts';

export interface Principal {
  kind: 'user';
  user: User;
  role: Role;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function authenticate(sessions: SessionService): RequestHandler {
  return (req, _res, next) => {
    const user = sessions.resolve(readCookie(req, SESSION_COOKIE) ?? bearerToken(req));
    if (user) req.principal = { kind: 'user', user, role: user.role };
    next();
  };
}

export function requireLogin(): RequestHandler {
  return (req, res, next) => {
    if (req.principal) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="heatgrid"');
    sendError(res, 401, 'unauthenticated', 'Log in or send a bearer token');
  };
}
