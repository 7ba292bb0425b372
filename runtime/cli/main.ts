// `npm run heatgrid -- <command>` / the `heatgrid` bin: operate a Heatgrid installation from a shell.
// Commands act on the data directory from the environment (HEATGRID_DATA_DIR), also while it runs.
import { ConfigError, loadConfig } from '../config.ts';
import { ConfigStore } from '../store/config-store.ts';
import { UserService } from '../auth/users.ts';
import { resetToShippedFlows } from '../flows/shipped-flows.ts';
import { shippedFlowsDir } from '../paths.ts';
import { FLOW_FILE } from '../flow-file.ts';
import { userCommand } from './user-command.ts';
import { devicesCommand } from '../devices/cli.ts';
import { DeviceRegistry } from '../devices/registry.ts';
import { SmartGroupService } from '../devices/smart-groups.ts';
import { TemplateStore } from '../templates/template-store.ts';
import { simulateCommand } from '../simulator/cli.ts';
import { tokenCommand } from './token-command.ts';
import { join } from 'node:path';

const HELP = `Usage: npm run heatgrid -- <command> [options]   (or: heatgrid <command>)

Commands:
  user        add, list, change and remove logins (roles: admin, engineer, operator, viewer)
  devices     list, add, import (CSV), show and remove devices
  groups      smart groups: saved live queries over devices
  templates   device templates (built-in ECL, and your own for third-party Modbus devices)
  flows       flows reset: replace your flows with the shipped ones (a backup is kept)
  token       API tokens for third parties: create (scopes, expiry), list, revoke
  simulate    run simulated ECL Comfort controllers on 127.0.0.1 (--devices N, --help)

Every command takes --help. The data directory is HEATGRID_DATA_DIR (default ./data).`;

const out = (s: string) => process.stdout.write(s);

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out(HELP + '\n');
    return command ? 0 : 1;
  }
  const config = loadConfig();
  const withStore = async (work: (store: ConfigStore) => Promise<number>) => {
    const store = new ConfigStore(config.dataDir);
    try {
      return await work(store);
    } finally {
      store.close();
    }
  };
  switch (command) {
    case 'user':
      if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) return userCommand(rest, null as never, out);
      return withStore((store) => userCommand(rest, new UserService(store), out));
    case 'devices':
    case 'groups':
    case 'templates':
      return withStore(async (store) => {
        const templates = new TemplateStore(store);
        const registry = new DeviceRegistry(store, { templateExists: (id) => templates.has(id) });
        return devicesCommand([command, ...rest], { registry, templates, groups: new SmartGroupService(store, registry) });
      });
    case 'token':
      return withStore((store) => tokenCommand(rest, { store }));
    case 'simulate':
      await simulateCommand(rest); // runs until SIGINT/SIGTERM
      return 0;
    case 'flows': {
      if (rest[0] !== 'reset' || rest.includes('--help')) {
        out('Usage: heatgrid flows reset\n  Replaces the flow file in the data directory with the shipped flows; the old file is kept as a .bak copy.\n  Restart Heatgrid (or it picks them up on next start).\n');
        return rest[0] === 'reset' || rest.includes('--help') ? 0 : 1;
      }
      return withStore(async (store) => {
        const { backup } = resetToShippedFlows(join(config.dataDir, FLOW_FILE), shippedFlowsDir, store);
        out(`shipped flows installed${backup ? `; your previous flows are in ${backup}` : ''}. Restart Heatgrid to load them.\n`);
        return 0;
      });
    }
    default:
      out(`unknown command "${command}"\n\n${HELP}\n`);
      return 1;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`heatgrid: ${err.message}\n`);
    else process.stderr.write(`heatgrid: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
