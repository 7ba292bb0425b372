// `heatgrid user add|list|passwd|role|remove`: manage logins in the config store.
import { parseArgs } from 'node:util';
import { ROLES, isRole } from '../auth/roles.ts';
import { generatePassword, UserError, type UserService } from '../auth/users.ts';
import { readSecret } from './read-secret.ts';

export const USER_HELP = `Usage: heatgrid user <command>

  user list                              list users and roles
  user add <name> --role <role>          add a user; password from --password-stdin,
           [--password-stdin]            a prompt on a terminal, or generated and shown once
  user passwd <name> [--password-stdin]  set a new password (ends the user's sessions)
  user role <name> <role>                change a user's role
  user remove <name>                     remove a user

Roles: ${ROLES.join(', ')}. Passwords: at least 12 characters.`;

async function passwordFor(flags: { 'password-stdin'?: boolean; generate?: boolean }, out: (s: string) => void): Promise<{ password: string; generated: boolean }> {
  if (flags['password-stdin']) return { password: (await readSecret('')).trim(), generated: false };
  if (process.stdin.isTTY && !flags.generate) {
    const first = await readSecret('Password: ');
    const again = await readSecret('Repeat:   ');
    if (first !== again) throw new UserError('weak_password', 'the two passwords differ');
    return { password: first, generated: false };
  }
  const password = generatePassword();
  out(`Generated password (shown once): ${password}\n`);
  return { password, generated: true };
}

export async function userCommand(argv: string[], users: UserService, out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, generate: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, name, extra] = positionals;
  if (values.help || !command) {
    out(USER_HELP + '\n');
    return command ? 0 : 1;
  }
  try {
    switch (command) {
      case 'list': {
        const list = users.list();
        if (values.json) out(JSON.stringify(list, null, 2) + '\n');
        else for (const u of list) out(`${u.username.padEnd(24)} ${u.role}\n`);
        return 0;
      }
      case 'add': {
        if (!name) throw new UserError('invalid_username', 'user add needs a name');
        const role = values.role ?? 'viewer';
        if (!isRole(role)) throw new UserError('invalid_role', `role must be one of ${ROLES.join(', ')}`);
        const { password } = await passwordFor(values, out);
        await users.add(name, password, role);
        out(`added ${name} (${role})\n`);
        return 0;
      }
      case 'passwd': {
        if (!name) throw new UserError('invalid_username', 'user passwd needs a name');
        if (!users.get(name)) throw new UserError('user_not_found', `no user "${name}"`);
        const { password } = await passwordFor(values, out);
        await users.setPassword(name, password);
        out(`password of ${name} changed; their sessions were ended\n`);
        return 0;
      }
      case 'role': {
        if (!name || !extra || !isRole(extra)) throw new UserError('invalid_role', `usage: user role <name> <${ROLES.join('|')}>`);
        users.setRole(name, extra);
        out(`${name} is now ${extra}\n`);
        return 0;
      }
      case 'remove': {
        if (!name) throw new UserError('invalid_username', 'user remove needs a name');
        users.remove(name);
        out(`removed ${name}\n`);
        return 0;
      }
      default:
        out(`unknown user command "${command}"\n\n${USER_HELP}\n`);
        return 1;
    }
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`heatgrid user ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
