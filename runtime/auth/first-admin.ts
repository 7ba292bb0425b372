// First start: with no user in the store, create `admin` with HEATGRID_ADMIN_PASSWORD or a generated
// password that is printed exactly once (to the terminal, not to any log file). Only the hash is stored.
import { generatePassword, type UserService } from './users.ts';

export async function ensureFirstAdmin(users: UserService, configuredPassword: string | null, print: (text: string) => void): Promise<void> {
  if (users.count() > 0) return;
  const password = configuredPassword ?? generatePassword();
  await users.add('admin', password, 'admin');
  if (configuredPassword) {
    print('Heatgrid: created user "admin" with the password from HEATGRID_ADMIN_PASSWORD.\n');
    return;
  }
  print(
    [
      '',
      '================================================================',
      ' Heatgrid created the first user. This password is shown ONCE:',
      '',
      `   user:     admin`,
      `   password: ${password}`,
      '',
      ' Change it with: npm run heatgrid -- user passwd admin',
      '================================================================',
      '',
    ].join('\n'),
  );
}
