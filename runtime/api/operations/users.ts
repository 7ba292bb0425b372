// Users and roles (scope admin) over UserService: list, create, change role or password, remove. Hashes never
// leave the store; the last admin can be neither demoted nor removed (409 last_admin); every change is audited
// (user.create, user.update, user.delete; never a password).
import type { Role } from '../../auth/roles.ts';
import { MIN_PASSWORD_LENGTH, UserError, type User } from '../../auth/users.ts';
import { API_BASE, ApiError, defineOperation, type ApiOperation } from '../operation.ts';
import * as S from '../schemas.ts';
import { iso } from '../views.ts';

export const userView = (u: User) => ({ username: u.username, role: u.role, language: u.language, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt) });

export const userOperations: ApiOperation[] = [
  defineOperation({
    id: 'users.list',
    method: 'GET',
    path: `${API_BASE}/users`,
    tag: 'users',
    summary: 'List users with their roles (never password hashes)',
    scope: 'admin',
    response: S.UserList,
    handler: ({ services }) => ({ body: { items: services.users.list().map(userView) } }),
  }),
  defineOperation({
    id: 'users.create',
    method: 'POST',
    path: `${API_BASE}/users`,
    tag: 'users',
    summary: 'Create a user with a role and an initial password (at least 12 characters)',
    scope: 'admin',
    body: S.UserCreate,
    status: 201,
    response: S.User,
    errors: [409, 413, 415, 422],
    handler: async ({ services, body, audit }) => {
      const user = await services.users.add(body.username, body.password, body.role as Role, body.language ?? 'en');
      audit({ action: 'user.create', newValue: user.username, detail: `role ${user.role}` });
      return { status: 201, body: userView(user), headers: { Location: `${API_BASE}/users/${user.username}` } };
    },
  }),
  defineOperation({
    id: 'users.update',
    method: 'PATCH',
    path: `${API_BASE}/users/:username`,
    tag: 'users',
    summary: "Change a user's role and/or password (a new password ends the user's sessions; the last admin keeps the admin role)",
    scope: 'admin',
    params: S.UsernameParams,
    body: S.UserPatch,
    response: S.User,
    errors: [404, 409, 413, 415, 422],
    handler: async ({ services, params, body, audit }) => {
      const before = services.users.get(params.username);
      if (!before) throw new ApiError(404, 'user_not_found', `no user "${params.username}"`);
      if (body.password !== undefined && body.password.length < MIN_PASSWORD_LENGTH) throw new UserError('weak_password', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
      // Role first: a refused demotion (last admin) must not leave a changed password behind.
      if (body.role !== undefined && body.role !== before.role) services.users.setRole(params.username, body.role as Role);
      if (body.password !== undefined) await services.users.setPassword(params.username, body.password);
      const after = services.users.get(params.username)!;
      const changes = [...(after.role !== before.role ? [`role ${before.role} → ${after.role}`] : []), ...(body.password !== undefined ? ['password changed, sessions ended'] : [])];
      if (changes.length) audit({ action: 'user.update', oldValue: before.role, newValue: after.role, detail: `${after.username}: ${changes.join('; ')}` });
      return { body: userView(after) };
    },
  }),
  defineOperation({
    id: 'users.delete',
    method: 'DELETE',
    path: `${API_BASE}/users/:username`,
    tag: 'users',
    summary: 'Remove a user and end their sessions (the last admin cannot be removed)',
    scope: 'admin',
    params: S.UsernameParams,
    response: S.User,
    errors: [404, 409],
    handler: ({ services, params, audit }) => {
      const user = services.users.get(params.username);
      if (!user) throw new ApiError(404, 'user_not_found', `no user "${params.username}"`);
      services.users.remove(params.username);
      audit({ action: 'user.delete', oldValue: user.username, detail: `role ${user.role}` });
      return { body: userView(user) };
    },
  }),
];
