// Per-user settings of the calling user (the operator app's language, display units and start-portal layout).
// Sessions only: an API token belongs to no user, so it gets 403 user_session_required.
import { API_BASE, ApiError, defineOperation, type ApiOperation } from '../operation.ts';
import type { Caller } from '../../http/auth-middleware.ts';
import { userSettingsOf, type UserSettings, type UserSettingsUpdate } from '../../auth/user-settings.ts';
import * as S from '../schemas.ts';
import { isoOrNull } from '../views.ts';

function userOf(caller: Caller): string {
  if (caller.kind !== 'user') throw new ApiError(403, 'user_session_required', 'settings belong to a user: log in (session cookie or session bearer token); API tokens have no settings', [{ field: 'Authorization', message: 'a login session, not an API token' }]);
  return caller.actor;
}

const settingsView = (s: UserSettings) => ({ language: s.language, units: s.units, portal: s.portal, updatedAt: isoOrNull(s.updatedAt) });

export const meOperations: ApiOperation[] = [
  defineOperation({
    id: 'settings.get',
    method: 'GET',
    path: `${API_BASE}/me/settings`,
    tag: 'system',
    summary: "The calling user's settings: language, display units, start-portal layout (sessions only)",
    scope: 'read',
    response: S.UserSettings,
    errors: [404],
    handler: ({ services, caller }) => ({ body: settingsView(userSettingsOf(services).get(userOf(caller))) }),
  }),
  defineOperation({
    id: 'settings.update',
    method: 'PUT',
    path: `${API_BASE}/me/settings`,
    tag: 'system',
    summary: "Change the calling user's settings; only the fields sent change (units field by field, portal null = default layout, ≤ 64 KB)",
    scope: 'read',
    body: S.UserSettingsUpdate,
    response: S.UserSettings,
    errors: [404, 413, 415, 422],
    handler: ({ services, caller, body }) => ({ body: settingsView(userSettingsOf(services).update(userOf(caller), body as UserSettingsUpdate)) }),
  }),
];
