// Roles exist from the start; later capabilities (API tokens, setpoints, alarms) map onto them.
export const ROLES = ['admin', 'engineer', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Roles allowed into the Node-RED editor and admin API (they can change flows, so full power). */
export const EDITOR_ROLES: readonly Role[] = ['admin', 'engineer'];
