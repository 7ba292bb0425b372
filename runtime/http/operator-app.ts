// Serves the operator app (dashboards/, built by Vite into dist/operator-app) at "/": hashed assets with
// long-lived caching, index.html for every HTML navigation that is not another part of the host (the
// SPA's own router then shows the page), /app-config.json with the map tile settings, and a strict
// Content-Security-Policy on the app's pages (no inline script or style, connections to self only).
//
// Mount it after the login routes and before Node-RED's httpNode: `app.use(operatorApp())`. Requests it
// does not serve (API calls, HTTP-in endpoints, /admin…) fall through with next().
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';

export interface OperatorAppOptions {
  /** Built app folder; default dist/operator-app of the project. */
  dir?: string;
  /** Map tile URL template ("https://tile.example.org/{z}/{x}/{y}.png"); default HEATGRID_MAP_TILE_URL or none. */
  tileUrl?: string | null;
  /** Tile attribution text; default HEATGRID_MAP_TILE_ATTRIBUTION or the OpenStreetMap credit. */
  tileAttribution?: string | null;
}

/** Paths that belong to other parts of the host: never answered with the app's index.html. */
const NOT_APP = /^\/(api|admin|auth|healthz|dashboard)(\/|$)/;

/** The tile server's origin for img-src, or null when the URL is not an absolute http(s) URL. */
export function tileOrigin(tileUrl: string | null | undefined): string | null {
  const m = /^(https?:\/\/)([^/]+)\//i.exec(tileUrl ?? '');
  if (!m) return null;
  // {s} subdomains (a.tile…, b.tile…) become a wildcard host.
  const host = m[2]!.replace(/^\{s\}\./, '*.');
  return /[{}\s'";]/.test(host) ? null : `${m[1]!.toLowerCase()}${host}`;
}

export function appContentSecurityPolicy(tileUrl: string | null | undefined): string {
  const tiles = tileOrigin(tileUrl);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${tiles ? ` ${tiles}` : ''}`,
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

export function operatorApp(options: OperatorAppOptions = {}): Router {
  const dir = options.dir ?? join(projectRoot, 'dist/operator-app');
  const tileUrl = options.tileUrl !== undefined ? options.tileUrl : (process.env.HEATGRID_MAP_TILE_URL || null);
  const tileAttribution = options.tileAttribution !== undefined ? options.tileAttribution : (process.env.HEATGRID_MAP_TILE_ATTRIBUTION || (tileUrl ? '© OpenStreetMap contributors' : null));
  const csp = appContentSecurityPolicy(tileUrl);
  const router = express.Router();
  const indexFile = join(dir, 'index.html');
  let index: string | null = null;
  const readIndex = (): string | null => {
    // Re-read while missing (a build may finish after start); cache once it is there.
    if (index === null && existsSync(indexFile)) index = readFileSync(indexFile, 'utf8');
    return index;
  };

  router.get('/app-config.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.json({ tileUrl, tileAttribution });
  });

  router.use(
    '/assets',
    (_req, res, next) => {
      res.set('Content-Security-Policy', csp);
      next();
    },
    express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
  );
  // A missing asset is a plain 404, not an error logged by express.
  const assetError: ErrorRequestHandler = (err: { status?: number }, _req, res, _next) => void res.status(err.status ?? 404).type('text/plain').send('Not found');
  router.use('/assets', assetError);

  const sendIndex = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (NOT_APP.test(req.path)) return next();
    const accept = String(req.headers.accept ?? '');
    // Only HTML navigations get the app: fetches and HTTP-in endpoints keep their own answers.
    if (!accept.includes('text/html')) return next();
    const html = readIndex();
    if (html === null) {
      res.status(503).type('text/plain').send('The operator app is not built yet: run `npm run build`.');
      return;
    }
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Security-Policy': csp });
    res.send(html);
  };
  router.get('/', sendIndex);
  router.get('/index.html', sendIndex);
  router.use(sendIndex);
  return router;
}
