// `heatgrid token create|list|revoke`: API tokens for third parties, from a shell (also while the runtime
// runs: both use the same config database). The secret is printed once, at creation.
import { parseArgs } from 'node:util';
import { ApiTokenError, apiTokensOf, parseLifetime, SCOPES, type ApiToken } from '../auth/api-tokens.ts';
import type { ConfigStore } from '../store/config-store.ts';
import type { Historian } from '../historian/historian.ts';

export const TOKEN_HELP = `Usage: heatgrid token <command>

  token create --name <name> --scope <scope> [--scope <scope> ...] [--expires 90d|12h|1y|never] [--json]
                         create a token; its secret (hg_...) is shown once
  token list [--all] [--json]   list tokens (--all: also revoked ones); secrets are never shown
  token revoke <id>             revoke a token at once

Scopes: ${SCOPES.join(', ')} (admin implies all). Default expiry: 2 years (the longest allowed).`;

export interface TokenCommandServices {
  store: ConfigStore;
  /** When given, token changes are written to the audit log (actor "cli"). */
  historian?: Pick<Historian, 'writeAudit'>;
}

const day = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

function row(t: ApiToken): string {
  const state = t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= Date.now() ? 'expired' : 'active';
  return `${t.id}  ${t.name.padEnd(24)} hg_${t.prefix}…  ${t.scopes.join(',').padEnd(28)} ${state.padEnd(8)} expires ${day(t.expiresAt)}  last used ${day(t.lastUsedAt)}`;
}

export async function tokenCommand(argv: string[], services: TokenCommandServices, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, expires: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    out(`${(err as Error).message}\n\n${TOKEN_HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (values.help || !command) {
    out(TOKEN_HELP + '\n');
    return values.help ? 0 : 2;
  }
  const tokens = apiTokensOf({ store: services.store });
  const audit = (action: string, target: string, detail: string) =>
    services.historian?.writeAudit([{ ts: Date.now(), actor: 'cli', action, device: null, point: null, oldValue: action === 'token.revoke' ? target : null, newValue: action === 'token.create' ? target : null, outcome: 'ok', detail }]);
  try {
    switch (command) {
      case 'create': {
        const scopes = (values.scope ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
        const lifetime = values.expires === undefined ? undefined : parseLifetime(values.expires);
        const expiresAt = lifetime === undefined ? undefined : lifetime === null ? null : Date.now() + lifetime;
        const { token, secret } = tokens.create({ name: values.name ?? '', scopes, createdBy: 'cli', ...(expiresAt !== undefined ? { expiresAt } : {}) });
        audit('token.create', `token:${token.id}`, `${token.name} [${token.scopes.join(' ')}]`);
        if (values.json) out(JSON.stringify({ token, secret }, null, 2) + '\n');
        else out(`created ${token.id} (${token.name}, ${token.scopes.join(', ')}, expires ${day(token.expiresAt)})\nsecret (shown once, store it now): ${secret}\n`);
        return 0;
      }
      case 'list': {
        const list = tokens.list({ includeRevoked: !!values.all });
        if (values.json) out(JSON.stringify(list, null, 2) + '\n');
        else if (!list.length) out('no API tokens\n');
        else for (const t of list) out(row(t) + '\n');
        return 0;
      }
      case 'revoke': {
        if (!id) {
          out('token revoke needs a token id (see token list)\n');
          return 2;
        }
        const token = tokens.revoke(id);
        audit('token.revoke', `token:${token.id}`, token.name);
        out(`revoked ${token.id} (${token.name})\n`);
        return 0;
      }
      default:
        out(`unknown command "${command}"\n\n${TOKEN_HELP}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ApiTokenError) {
      out(`${err.message}${err.details.length ? `: ${err.details.map((d) => `${d.field}: ${d.message}`).join('; ')}` : ''}\n`);
      return 1;
    }
    throw err;
  }
}
