// Device templates: the built-in ECL ones and user templates for third-party Modbus devices.
import { Type } from '@sinclair/typebox';
import type { DeviceTemplate } from '../../templates/template.ts';
import { API_BASE, ApiError, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{1,80}$' }) }, { additionalProperties: false });

const summary = (t: DeviceTemplate) => ({ id: t.id, name: t.name, models: t.models, application: t.application, protocol: t.protocol, source: t.source, pointCount: t.points.length });

export const templateOperations: ApiOperation[] = [
  defineOperation({
    id: 'templates.list',
    method: 'GET',
    path: `${API_BASE}/templates`,
    tag: 'templates',
    summary: 'List device templates (built-in first, then user templates)',
    scope: 'read',
    query: Type.Object({ source: Type.Optional(Type.Union([Type.Literal('builtin'), Type.Literal('user')])), model: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
    response: S.TemplateList,
    handler: ({ services, query }) => ({
      body: { items: services.templates.list().filter((t) => (!query.source || t.source === query.source) && (!query.model || t.models.includes(query.model))).map(summary) },
    }),
  }),
  defineOperation({
    id: 'templates.get',
    method: 'GET',
    // Template ids may hold "/" (ecl-comfort/A266.1): send it encoded, /templates/ecl-comfort%2FA266.1.
    path: `${API_BASE}/templates/:id`,
    tag: 'templates',
    summary: 'One template with all its points (encode "/" in the id as %2F)',
    scope: 'read',
    params: IdParams,
    response: S.Template,
    errors: [404],
    handler: ({ services, params }) => {
      const template = services.templates.get(params.id);
      if (!template) throw new ApiError(404, 'template_not_found', `no template "${params.id}"`);
      return { body: template };
    },
  }),
  defineOperation({
    id: 'templates.create',
    method: 'POST',
    path: `${API_BASE}/templates`,
    tag: 'templates',
    summary: 'Add a user template for a third-party device',
    description: 'Checked whole (keys, registers, overlaps, ranges); built-in ids are protected.',
    scope: 'manage:devices',
    body: S.TemplateCreate,
    status: 201,
    response: S.Template,
    errors: [409, 413, 415, 422],
    handler: ({ services, body, audit }) => {
      const template = services.templates.add({ ...body, source: 'user' });
      audit({ action: 'template.create', newValue: template.id, detail: `${template.points.length} points` });
      return { status: 201, body: template };
    },
  }),
];
