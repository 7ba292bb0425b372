// The Heatgrid host: express 4 + embedded Node-RED 5. Editor and admin API at /admin, HTTP-in endpoints
// and the dashboard at /, login at /auth, health at /healthz. Run directly, it starts from the
// environment and stops gracefully on SIGINT/SIGTERM.
import express from 'express';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type HeatgridConfig } from './config.ts';
import { LoginLimiter } from './auth/login-limiter.ts';
import { EDITOR_ROLES } from './auth/roles.ts';
import { ensureFirstAdmin } from './auth/first-admin.ts';
import { credentialSecret } from './credential-secret.ts';
import { setHeatgridServices, type HeatgridServices } from './services.ts';
import { createHeatgridServices } from './create-services.ts';
import { installShippedFlows } from './flows/shipped-flows.ts';
import { projectRoot, shippedFlowsDir, packageVersion } from './paths.ts';
import { createLogger } from './log.ts';
import { securityHeaders } from './http/security-headers.ts';
import { authRoutes } from './http/auth-routes.ts';
import { authenticate, requireLogin } from './http/auth-middleware.ts';
import { dashboardHttpGuard, dashboardSettings, dashboardWidgetAssets, WIDGET_RESOURCES_PATH } from './http/dashboard-auth.ts';
import { operatorApp } from './http/operator-app.ts';
import { sendError } from './http/errors.ts';
import { loadNodeRed } from './node-red-host.ts';
import { FLOW_FILE } from './flow-file.ts';
import { Notifier } from './notify/notifier.ts';
import { apiHostRouter, apiNotFound, corsHandler } from './api/host-routes.ts';
import { startDemoFleet, type DemoFleet } from './fleet/demo-fleet.ts';


export interface RunningHeatgrid {
  url: string;
  services: HeatgridServices;
  stop(): Promise<void>;
}


export async function startHeatgrid(config: HeatgridConfig, print: (text: string) => void = (t) => process.stdout.write(t)): Promise<RunningHeatgrid> {
  const log = createLogger('host', config.logLevel);
  let publicUrl = config.publicUrl ?? '';
  const created = await createHeatgridServices(config, { publicUrl: () => publicUrl });
  const { services } = created;
  const { store, users, sessions, health, registry, groups, alarms, apiTokens } = services;
  setHeatgridServices(services);

  // With no real device registered, a simulated fleet stands in so the system runs out of the box.
  const demo: DemoFleet | null = await startDemoFleet(registry, groups, config.demoDevices, log);

  await ensureFirstAdmin(users, config.adminPassword, print);
  const flowFile = join(config.dataDir, FLOW_FILE);
  const flowsOutcome = installShippedFlows(flowFile, shippedFlowsDir, store);
  if (flowsOutcome === 'kept-user-edits') {
    log.warn('the shipped flows changed, but your flows were edited, so they were kept; `npm run heatgrid -- flows reset` installs the shipped ones (with a backup)');
  } else if (flowsOutcome !== 'unchanged') {
    log.info(`shipped flows ${flowsOutcome}`);
  }

  const RED = loadNodeRed();
  const app = express();
  app.disable('x-powered-by');
  const https = config.tls !== null;
  app.use(securityHeaders({ https }));

  const limiter = new LoginLimiter({ maxFailures: 10, windowMs: 15 * 60 * 1000 });
  // Node-RED's own editor login goes through the same limiter as ours.
  app.post('/admin/auth/token', express.urlencoded({ extended: false, limit: '8kb' }), express.json({ limit: '8kb' }), (req, res, next) => {
    const username = typeof req.body?.username === 'string' ? req.body.username : '';
    if (req.body?.grant_type !== 'password') return next();
    const wait = limiter.retryAfterMs([`ip:${req.ip}`, `user:${username}`]);
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      return sendError(res, 429, 'too_many_attempts', 'Too many failed logins; try again later');
    }
    res.on('finish', () => {
      const keys = [`ip:${req.ip}`, `user:${username}`];
      if (res.statusCode === 200) limiter.recordSuccess(keys);
      else limiter.recordFailure(keys);
    });
    next();
  });

  let flowsStarted = false;
  health.register('runtime', () => ({ ok: flowsStarted, state: flowsStarted ? 'started' : 'starting', flowsStarted, version: packageVersion, nodeRed: RED.version() }));
  app.get('/healthz', async (_req, res) => {
    const report = await health.report();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.use(authenticate(sessions, apiTokens));
  app.use('/auth', authRoutes({ users, sessions, limiter, secureCookies: https }));
  app.use('/api/v1', corsHandler(config.corsOrigins)); // before the login check, so refusals carry CORS headers too
  app.use('/api', requireLogin());
  // Dashboard 2.0: browsers without a session go to the login page; its socket.io is guarded in RED.init below.
  app.use('/dashboard', dashboardHttpGuard());
  // The API's endpoints are HTTP-in flows (flows/20-api.json); body limits, OpenAPI, docs and the live
  // stream are host routes in front of them.
  app.use('/api/v1', apiHostRouter(() => services));

  const server: Server = https
    ? createHttpsServer({ cert: readFileSync(config.tls!.certFile), key: readFileSync(config.tls!.keyFile) }, app)
    : createHttpServer(app);

  const tunable = (await import(pathToFileURL(join(projectRoot, 'settings.js')).href)).default as (o: { logLevel: string }) => Record<string, unknown>;
  const editorPermissions = (username: string) => {
    const user = users.get(username);
    return user && EDITOR_ROLES.includes(user.role) ? { username: user.username, permissions: '*' } : null;
  };
  RED.init(server, {
    ...tunable({ logLevel: config.logLevel }),
    userDir: config.dataDir,
    flowFile: FLOW_FILE,
    credentialSecret: credentialSecret(config.dataDir, config.credentialSecret),
    httpAdminRoot: '/admin',
    httpNodeRoot: '/',
    nodesDir: [projectRoot],
    requireHttps: https,
    httpAdminCookieOptions: { secure: https, sameSite: 'strict' },
    // Dashboard 2.0 has no login of its own: our sessions guard its pages and socket.io, viewers may not act.
    dashboard: dashboardSettings(sessions, log),
    adminAuth: {
      type: 'credentials',
      users: async (username: string) => editorPermissions(username),
      authenticate: async (username: string, password: string) => {
        const user = await users.verify(String(username), String(password));
        return user ? editorPermissions(user.username) : null;
      },
      // Our session tokens also open the admin API (for scripts and the operator app's admin pages).
      tokens: async (token: string) => {
        const user = sessions.resolve(token);
        return user ? editorPermissions(user.username) : null;
      },
    },
  });
  RED.events.on('flows:started', () => (flowsStarted = true));
  RED.events.on('flows:stopped', () => (flowsStarted = false));
  app.use(WIDGET_RESOURCES_PATH, dashboardWidgetAssets()); // our Dashboard 2.0 widgets' bundles
  app.use('/admin', RED.httpAdmin);
  app.use(operatorApp());
  app.use('/', RED.httpNode);
  app.use('/api/v1', apiNotFound()); // an unknown API path answers in the API's error shape, not Node-RED's HTML

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `${https ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  publicUrl = config.publicUrl ?? url;
  services.reports.start(); // makes up scheduled runs missed while the runtime was down
  // Mail goes from the host, not from a flow, so notifications survive any edit of the flows.
  const notifier = new Notifier({ store, smtp: config.smtpUrl, publicUrl: config.publicUrl ?? url, timeZone: config.timeZone, log });
  notifier.attach(alarms);
  health.register('alarms', () => {
    const a = alarms.health();
    const mail = notifier.health();
    return { ...a, mail, ok: a.ok && mail.ok };
  });
  await RED.start();

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await RED.stop(); // node close handlers stop their poll loops here
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await notifier.close();
      await created.close();
      await demo?.stop();
      setHeatgridServices(undefined);
    })());
  return { url, services, stop };
}

async function main(): Promise<void> {
  let config: HeatgridConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Heatgrid cannot start: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await startHeatgrid(config);
  const log = createLogger('host', config.logLevel);
  log.info(`Heatgrid listening on ${running.url} (operator app ${running.url}/, editor ${running.url}/admin, API ${running.url}/api/v1/docs, health ${running.url}/healthz)`);
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (signalled) return;
      signalled = true;
      log.info(`${signal}: stopping flows, flushing buffers`);
      const force = setTimeout(() => {
        log.error('shutdown took longer than 30 s; exiting');
        process.exit(1);
      }, 30_000);
      force.unref();
      running.stop().then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          log.error(`shutdown failed: ${(err as Error).stack ?? String(err)}`);
          process.exit(1);
        },
      );
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`Heatgrid failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
