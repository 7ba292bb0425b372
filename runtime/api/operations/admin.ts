// Health, who am I, the audit log, and API tokens (admins only).
import { Type } from '@sinclair/typebox';
import { apiTokensOf } from '../../auth/api-tokens.ts';
import { API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { csv, epochOf, iso, list, tokenView } from '../views.ts';

const MAX_AUDIT_ROWS = 10_000;

export const adminOperations: ApiOperation[] = [
  defineOperation({
    id: 'health.get',
    method: 'GET',
    path: `${API_BASE}/health`,
    tag: 'system',
    summary: 'Health of the runtime, storage and fleet (the same sections as /healthz)',
    scope: 'read',
    response: S.Health,
    handler: async ({ services }) => {
      const report = await services.health.report();
      return { body: report, status: report.status === 'ok' ? 200 : 503 };
    },
  }),
  defineOperation({
    id: 'me.get',
    method: 'GET',
    path: `${API_BASE}/me`,
    tag: 'system',
    summary: 'Who is calling and with which scopes (the operator app mirrors roles from this)',
    scope: 'read',
    response: S.Me,
    handler: ({ services, caller }) => ({
      body: { kind: caller.kind, actor: caller.actor, role: caller.kind === 'user' ? (services.users.get(caller.actor)?.role ?? null) : null, scopes: [...caller.scopes] },
    }),
  }),
  defineOperation({
    id: 'audit.query',
    method: 'GET',
    path: `${API_BASE}/audit`,
    tag: 'audit',
    summary: 'Audit log entries of a period (writes, logins, token, device, group and rule changes), JSON or CSV',
    scope: 'read',
    query: Type.Object(
      {
        from: S.IsoTime,
        to: S.IsoTime,
        actor: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated user names or token:<id>' })),
        action: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated actions, e.g. device.update,setpoint.write' })),
        device: Type.Optional(Type.String({ maxLength: 20_000, description: 'comma-separated device ids' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_ROWS, default: 1000 })),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
      },
      { additionalProperties: false },
    ),
    response: S.AuditList,
    csv: true,
    handler: async ({ services, query, wantsCsv }) => {
      const from = epochOf(query.from, 'from');
      const to = epochOf(query.to, 'to');
      const limit = query.limit ?? 1000;
      const actors = list(query.actor);
      const actions = list(query.action);
      const devices = list(query.device);
      const entries = from < to
        ? await services.historian.queryAudit({ from, to, limit, ...(actors.length ? { actors } : {}), ...(actions.length ? { actions } : {}), ...(devices.length ? { devices } : {}) })
        : [];
      const items = entries.map((e) => ({ ts: iso(e.ts), actor: e.actor, action: e.action, device: e.device, point: e.point, oldValue: e.oldValue, newValue: e.newValue, outcome: e.outcome, detail: e.detail }));
      if (wantsCsv) {
        const header = ['ts', 'actor', 'action', 'device', 'point', 'oldValue', 'newValue', 'outcome', 'detail'] as const;
        return { text: { contentType: 'text/csv; charset=utf-8', content: csv([...header], items.map((i) => header.map((h) => i[h]))), filename: `audit_${query.from.slice(0, 10)}_${query.to.slice(0, 10)}.csv` } };
      }
      return { body: { items, limit } };
    },
  }),
  defineOperation({
    id: 'tokens.list',
    method: 'GET',
    path: `${API_BASE}/tokens`,
    tag: 'tokens',
    summary: 'List API tokens (never their secrets)',
    scope: 'admin',
    query: Type.Object({ includeRevoked: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
    response: S.ApiTokenList,
    handler: ({ services, query }) => ({ body: { items: apiTokensOf(services).list({ includeRevoked: !!query.includeRevoked }).map(tokenView) } }),
  }),
  defineOperation({
    id: 'tokens.create',
    method: 'POST',
    path: `${API_BASE}/tokens`,
    tag: 'tokens',
    summary: 'Create an API token; the answer holds its secret, once',
    description: 'Without expiresAt a token lives two years (the longest allowed); null means no expiry.',
    scope: 'admin',
    body: S.ApiTokenCreate,
    status: 201,
    response: S.ApiTokenCreated,
    errors: [413, 415, 422],
    handler: ({ services, body, caller, audit }) => {
      const expiresAt = body.expiresAt === undefined ? undefined : body.expiresAt === null ? null : epochOf(body.expiresAt, 'expiresAt');
      const { token, secret } = apiTokensOf(services).create({ name: body.name, scopes: body.scopes, createdBy: caller.actor, ...(expiresAt !== undefined ? { expiresAt } : {}) });
      audit({ action: 'token.create', newValue: `token:${token.id}`, detail: `${token.name} [${token.scopes.join(' ')}]` });
      return { status: 201, body: { token: tokenView(token), secret }, headers: { 'Cache-Control': 'no-store' } };
    },
  }),
  defineOperation({
    id: 'tokens.revoke',
    method: 'DELETE',
    path: `${API_BASE}/tokens/:id`,
    tag: 'tokens',
    summary: 'Revoke an API token (kept in the list as revoked)',
    scope: 'admin',
    params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
    response: S.ApiToken,
    errors: [404],
    handler: ({ services, params, audit }) => {
      const token = apiTokensOf(services).revoke(params.id);
      audit({ action: 'token.revoke', oldValue: `token:${token.id}`, detail: token.name });
      return { body: tokenView(token) };
    },
  }),
];
