// Smart groups: saved live queries over devices; CRUD, members, and a preview of a filter before saving.
import { Type } from '@sinclair/typebox';
import { MAX_PAGE_SIZE } from '../../devices/registry.ts';
import { API_BASE, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { deviceView, groupView } from '../views.ts';

const IdParams = Type.Object({ id: S.Id }, { additionalProperties: false });
const PageQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) },
  { additionalProperties: false },
);

export const groupOperations: ApiOperation[] = [
  defineOperation({
    id: 'groups.list',
    method: 'GET',
    path: `${API_BASE}/groups`,
    tag: 'groups',
    summary: 'List smart groups with their current member counts',
    scope: 'read',
    response: S.GroupList,
    handler: ({ services }) => ({ body: { items: services.groups.list().map((g) => groupView(g, services)) } }),
  }),
  defineOperation({
    id: 'groups.get',
    method: 'GET',
    path: `${API_BASE}/groups/:id`,
    tag: 'groups',
    summary: 'One smart group',
    scope: 'read',
    params: IdParams,
    response: S.Group,
    errors: [404],
    handler: ({ services, params }) => ({ body: groupView(services.groups.require(params.id), services) }),
  }),
  defineOperation({
    id: 'groups.members',
    method: 'GET',
    path: `${API_BASE}/groups/:id/members`,
    tag: 'groups',
    summary: 'The devices a smart group holds now, by name',
    scope: 'read',
    params: IdParams,
    query: PageQuery,
    response: S.DevicePage,
    errors: [404],
    handler: ({ services, params, query }) => {
      const members = services.groups.members(services.groups.require(params.id).id);
      const limit = query.limit ?? 100;
      const offset = query.offset ?? 0;
      return { body: { items: members.slice(offset, offset + limit).map((d) => deviceView(d, services)), total: members.length, limit, offset } };
    },
  }),
  defineOperation({
    id: 'groups.preview',
    method: 'POST',
    path: `${API_BASE}/groups/preview`,
    tag: 'groups',
    summary: 'The devices a filter would hold, without saving a group',
    scope: 'read',
    body: Type.Object({ filter: S.GroupFilter }, { additionalProperties: false }),
    query: PageQuery,
    response: S.DevicePage,
    errors: [413, 415, 422],
    handler: ({ services, body, query }) => {
      const members = services.groups.preview(body.filter);
      const limit = query.limit ?? 100;
      const offset = query.offset ?? 0;
      return { body: { items: members.slice(offset, offset + limit).map((d) => deviceView(d, services)), total: members.length, limit, offset } };
    },
  }),
  defineOperation({
    id: 'groups.create',
    method: 'POST',
    path: `${API_BASE}/groups`,
    tag: 'groups',
    summary: 'Save a smart group',
    scope: 'manage:devices',
    body: S.GroupCreate,
    status: 201,
    response: S.Group,
    errors: [409, 413, 415, 422],
    handler: ({ services, body, audit }) => {
      const group = services.groups.create(body);
      audit({ action: 'group.create', newValue: group.id, detail: JSON.stringify(group.filter) });
      return { status: 201, body: groupView(group, services), headers: { Location: `${API_BASE}/groups/${group.id}` } };
    },
  }),
  defineOperation({
    id: 'groups.update',
    method: 'PATCH',
    path: `${API_BASE}/groups/:id`,
    tag: 'groups',
    summary: 'Change a smart group (name, description, filter)',
    scope: 'manage:devices',
    params: IdParams,
    body: S.GroupPatch,
    response: S.Group,
    errors: [404, 413, 415, 422],
    handler: ({ services, params, body, audit }) => {
      const before = services.groups.require(params.id);
      const group = services.groups.update(params.id, body);
      audit({ action: 'group.update', oldValue: JSON.stringify(before.filter), newValue: JSON.stringify(group.filter), detail: group.id });
      return { body: groupView(group, services) };
    },
  }),
  defineOperation({
    id: 'groups.delete',
    method: 'DELETE',
    path: `${API_BASE}/groups/:id`,
    tag: 'groups',
    summary: 'Remove a smart group (its devices stay)',
    scope: 'manage:devices',
    params: IdParams,
    response: S.Group,
    errors: [404],
    handler: ({ services, params, audit }) => {
      const view = groupView(services.groups.require(params.id), services);
      services.groups.delete(params.id);
      audit({ action: 'group.delete', oldValue: view.id, detail: JSON.stringify(view.filter) });
      return { body: view };
    },
  }),
];
