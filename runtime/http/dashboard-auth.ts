// Dashboard 2.0 (@flowfuse/node-red-dashboard) behind Heatgrid's sessions. The dashboard has no login of
// its own; the host hands it two guards through the Node-RED settings (`dashboard.middleware`,
// `dashboard.ioMiddleware`, see docs/dashboard2.md):
//
// - HTTP (`dashboardHttpGuard`): every dashboard request (page, /_setup, /_debug, assets) needs a logged-in
//   user (the `heatgrid_session` cookie or a session bearer token; API tokens never open it). A browser
//   navigation without one is sent to the operator app's login page, which returns to the dashboard
//   afterwards; anything else gets the API's 401.
// - socket.io (`dashboardSocketGuard`): the handshake re-derives the user from the session cookie (never
//   from what the client claims), refuses anonymous and cross-origin connections, and keeps the user on
//   the socket. Every later event passes `mayEmit()`: a role without `write:setpoints` (viewer) may
//   load widgets and report page views, but its widget actions, changes and sends (a button wired to a
//   setpoint-writer, a slider, a form) are dropped on the server before they reach the flow. Events that
//   pass carry `msg._client.user = {username, role}` set here, so flows can audit who acted.
//
// It also serves the built widget bundles (dist/dashboard2) at the URL the dashboard loads them from.
import express, { type Request, type RequestHandler, type Router } from 'express';
import { join } from 'node:path';
import type { SessionService } from '../auth/sessions.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { hasScope, ROLE_SCOPES } from '../auth/api-tokens.ts';
import type { Role } from '../auth/roles.ts';
import { projectRoot } from '../paths.ts';
import { sendError } from './errors.ts';

/** Socket events any logged-in role may send: loading a widget's last value, page-view/connection events. */
export const READ_EVENTS: ReadonlySet<string> = new Set(['widget-load', 'ui-event']);

export interface DashboardUser {
  username: string;
  role: Role;
}

/** May this role send this dashboard socket event? Reading is for everyone; acting needs `write:setpoints`. */
export function mayEmit(role: Role, event: string): boolean {
  if (READ_EVENTS.has(event)) return true;
  return hasScope(ROLE_SCOPES[role], 'write:setpoints');
}

function wantsHtml(req: Request): boolean {
  return req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '');
}

/** Express guard for the dashboard's HTTP routes; runs after `authenticate()` has set `req.principal`. */
export function dashboardHttpGuard(): RequestHandler {
  return (req, res, next) => {
    if (req.principal) return next();
    if (wantsHtml(req)) {
      res.setHeader('Cache-Control', 'no-store');
      return res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="heatgrid"');
    sendError(res, 401, 'unauthenticated', 'Log in to open the dashboard');
  };
}

function cookieFrom(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The slice of a socket.io server socket the guard uses (socket.io is the dashboard's dependency, not ours). */
interface GuardedSocket {
  request: { headers: Record<string, string | string[] | undefined> };
  data: { user?: DashboardUser };
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
}

/** socket.io middleware (`io.use`) for the dashboard's socket. */
export function dashboardSocketGuard(sessions: SessionService, log: { warn(m: string): void } = { warn: () => undefined }) {
  return (socket: GuardedSocket, next: (err?: Error) => void): void => {
    const headers = socket.request.headers;
    const cookie = Array.isArray(headers.cookie) ? headers.cookie.join('; ') : headers.cookie;
    const user = sessions.resolve(cookieFrom(cookie, SESSION_COOKIE));
    if (!user) return next(new Error('unauthenticated'));
    // A cross-site page must not ride on the operator's cookie (the dashboard's own default check, kept).
    const origin = typeof headers.origin === 'string' ? headers.origin : undefined;
    if (origin) {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {
        /* refused below */
      }
      if (originHost !== headers.host) return next(new Error('cross-origin'));
    }
    const who: DashboardUser = { username: user.username, role: user.role };
    socket.data.user = who;
    socket.use((packet, nextPacket) => {
      const event = String(packet[0]);
      if (!mayEmit(who.role, event)) return nextPacket(new Error(`forbidden: role ${who.role} may not send ${event}`));
      // Stamp the server-known user on what the widget sends (a client-supplied _client.user is overwritten).
      for (let i = 1; i < packet.length; i++) {
        const arg = packet[i];
        if (arg && typeof arg === 'object' && !Array.isArray(arg)) {
          const m = arg as { _client?: Record<string, unknown> };
          m._client = { ...(m._client && typeof m._client === 'object' ? m._client : {}), user: who };
        }
      }
      nextPacket();
    });
    // A refused event ends here (socket.io reports packet-middleware errors on the socket).
    socket.on('error', (err) => log.warn(`dashboard: ${who.username}: ${err.message}`));
    next();
  };
}

/** Dashboard settings for RED.init: `{ dashboard: dashboardSettings(sessions) }`. */
export function dashboardSettings(sessions: SessionService, log?: { warn(m: string): void }) {
  return { middleware: [dashboardHttpGuard()], ioMiddleware: dashboardSocketGuard(sessions, log) };
}

/** The URL the dashboard imports third-party widget bundles from: <httpAdminRoot>/resources/<package>/. */
export const WIDGET_RESOURCES_PATH = '/admin/resources/@heatgrid/heatgrid';

/** Serves dist/dashboard2 (our widgets' UMD bundles) at WIDGET_RESOURCES_PATH, to logged-in users only. */
export function dashboardWidgetAssets(dir = join(projectRoot, 'dist/dashboard2')): Router {
  const router = express.Router();
  router.use(dashboardHttpGuard(), express.static(dir, { index: false, fallthrough: false, maxAge: 0 }));
  return router;
}
