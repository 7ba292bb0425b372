// `heatgrid devices|groups|templates ...`: commissioning from a shell. Thin over the services: every rule
// lives in the registry, smart groups and template store; this file parses flags and prints results.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Device } from './device.ts';
import { DeviceError, type DeviceRegistry } from './registry.ts';
import { CsvImportError, importDevicesCsv } from './csv-import.ts';
import { SmartGroupError, type SmartGroupFilter, type SmartGroupService } from './smart-groups.ts';
import { TemplateStoreError, type TemplateStore } from '../templates/template-store.ts';
import type { DeviceInput } from './validation.ts';

export interface DevicesCommandServices {
  registry: DeviceRegistry;
  templates: TemplateStore;
  groups: SmartGroupService;
  /** Where output goes (default stdout / stderr). */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const DEVICES_HELP = `Usage: heatgrid devices <command>

  list [--json] [--tag t] [--search text] [--model m] [--application A266] [--limit n] [--offset n]
  show <id> [--json]                    one device, and the template it is polled with
  add --name N --host H [--port 502] [--unit 1] [--id slug] [--model ecl-comfort-310]
      [--application A266.1] [--address text] [--lat 60.17 --lon 24.95] [--tags a,b] [--template id]
  import <file.csv> [--dry-run] [--upsert] [--all-or-nothing] [--json]
      header: id,name,model,application,host,port,unit_id,address,lat,lon,tags (name and host required;
      tags separated by |; "," or ";" delimiter; decimal comma accepted in lat/lon)
  remove <id>
`;

const GROUPS_HELP = `Usage: heatgrid groups <command>

  list [--json]
  show <id> [--json]
  members <id> [--json]                 devices in the group now (status criteria need the running runtime)
  add --name N [--id slug] [--description text] [--filter '{"tags":["school"]}'] and/or criteria:
      [--name-pattern 'Kirkko*'] [--tag t ...] [--tag-match any|all] [--address text] [--model m ...]
      [--application A266 ...] [--status online|offline|unknown|alarm ...] [--enabled true|false]
      [--bbox minLat,minLon,maxLat,maxLon] [--near lat,lon,radiusKm] [--include id ...] [--exclude id ...]
  remove <id>
`;

const TEMPLATES_HELP = `Usage: heatgrid templates <command>

  list [--json]                         built-in ECL templates and user templates
  show <id>                             the template as JSON
  add <file.json> [--replace]           add a third-party device template (see runtime/templates/examples/)
  remove <id>                           user templates only
`;

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, ...HELP_FLAG } as O & typeof HELP_FLAG, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(',', '.'));
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number (got "${value}")`);
  return n;
}

function numbers(flag: string, value: string | undefined, count: number): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',');
  if (parts.length !== count) throw new UsageError(`--${flag} takes ${count} comma-separated numbers`);
  return parts.map((p) => number(flag, p)!);
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`give exactly one ${what}`);
  return positionals[0]!;
}

function endpoint(d: Device): string {
  const c = d.connection;
  if (c.kind === 'modbus-tcp') return `${c.host}:${c.port}/${c.unitId}`;
  if (c.kind === 'opcua') return c.endpoint;
  return `${c.gatewayId}:${c.address}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')).join('\n') + '\n';
}

const deviceTable = (devices: Device[]) =>
  table([['ID', 'NAME', 'MODEL', 'APPLICATION', 'CONNECTION', 'TAGS'], ...devices.map((d) => [d.id, d.name, d.model, d.application ?? '-', endpoint(d) + (d.enabled ? '' : ' (disabled)'), d.tags.join(',')])]);

async function devices(argv: string[], s: DevicesCommandServices, out: (t: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'list': {
      const { values: v } = parse(rest, { json: { type: 'boolean' }, tag: { type: 'string' }, search: { type: 'string' }, model: { type: 'string' }, application: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } });
      if (v.help) return help(out, DEVICES_HELP);
      const page = s.registry.list({ tag: v.tag, search: v.search, model: v.model, application: v.application, limit: number('limit', v.limit) ?? 1000, offset: number('offset', v.offset) ?? 0 });
      if (v.json) out(JSON.stringify(page, null, 2) + '\n');
      else out((page.items.length ? deviceTable(page.items) : '') + `${page.items.length} of ${page.total} devices\n`);
      return 0;
    }
    case 'show': {
      const { values: v, positionals } = parse(rest, { json: { type: 'boolean' } });
      if (v.help) return help(out, DEVICES_HELP);
      const device = s.registry.require(one(positionals, 'device id'));
      const resolution = s.templates.templateFor(device);
      if (v.json) out(JSON.stringify({ ...device, template: resolution.template?.id ?? null, templateReason: resolution.reason }, null, 2) + '\n');
      else out(JSON.stringify(device, null, 2) + `\ntemplate: ${resolution.template ? resolution.template.id : `none (${resolution.reason})`}\n`);
      return 0;
    }
    case 'add': {
      const { values: v, positionals } = parse(rest, {
        id: { type: 'string' }, name: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, unit: { type: 'string' }, model: { type: 'string' },
        application: { type: 'string' }, address: { type: 'string' }, lat: { type: 'string' }, lon: { type: 'string' }, tags: { type: 'string' }, template: { type: 'string' },
      });
      if (v.help) return help(out, DEVICES_HELP);
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (v.name === undefined || v.host === undefined) throw new UsageError('--name and --host are required');
      const input: DeviceInput = {
        ...(v.id !== undefined && { id: v.id }),
        name: v.name,
        ...(v.model !== undefined && { model: v.model }),
        ...(v.application !== undefined && { application: v.application }),
        ...(v.template !== undefined && { templateId: v.template }),
        ...(v.address !== undefined && { address: v.address }),
        ...(v.lat !== undefined && { lat: number('lat', v.lat) }),
        ...(v.lon !== undefined && { lon: number('lon', v.lon) }),
        ...(v.tags !== undefined && { tags: v.tags.split(/[,|]/).map((t) => t.trim()).filter(Boolean) }),
        connection: { kind: 'modbus-tcp', host: v.host, port: number('port', v.port) ?? 502, unitId: number('unit', v.unit) ?? 1 },
      };
      const device = s.registry.create(input);
      out(`added ${device.id} (${device.name}, ${endpoint(device)})\n`);
      return 0;
    }
    case 'import': {
      const { values: v, positionals } = parse(rest, { 'dry-run': { type: 'boolean' }, upsert: { type: 'boolean' }, 'all-or-nothing': { type: 'boolean' }, json: { type: 'boolean' } });
      if (v.help) return help(out, DEVICES_HELP);
      const file = one(positionals, 'CSV file');
      const started = performance.now();
      const result = importDevicesCsv(s.registry, readFileSync(file, 'utf8'), { dryRun: v['dry-run'], upsert: v.upsert, allOrNothing: v['all-or-nothing'] });
      const ms = performance.now() - started;
      if (v.json) {
        out(JSON.stringify(result, null, 2) + '\n');
      } else {
        for (const row of result.rows) if (row.outcome === 'error') out(`line ${row.line}${row.id ? ` (${row.id})` : ''}: ${row.message}\n`);
        const verb = result.committed ? 'imported' : result.dryRun ? 'dry run, nothing changed' : 'nothing imported (all-or-nothing and some rows failed)';
        out(`${verb}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.failed} failed (${result.rows.length} rows, ${ms.toFixed(0)} ms)\n`);
      }
      return result.failed > 0 ? 1 : 0;
    }
    case 'remove': {
      const { values: v, positionals } = parse(rest, {});
      if (v.help) return help(out, DEVICES_HELP);
      const device = s.registry.delete(one(positionals, 'device id'));
      out(`removed ${device.id} (${device.name})\n`);
      return 0;
    }
    default:
      return usage(out, command, DEVICES_HELP);
  }
}

async function groups(argv: string[], s: DevicesCommandServices, out: (t: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'list': {
      const { values: v } = parse(rest, { json: { type: 'boolean' } });
      if (v.help) return help(out, GROUPS_HELP);
      const list = s.groups.list();
      if (v.json) out(JSON.stringify(list, null, 2) + '\n');
      else out((list.length ? table([['ID', 'NAME', 'FILTER'], ...list.map((g) => [g.id, g.name, JSON.stringify(g.filter)])]) : '') + `${list.length} smart groups\n`);
      return 0;
    }
    case 'show':
    case 'members': {
      const { values: v, positionals } = parse(rest, { json: { type: 'boolean' } });
      if (v.help) return help(out, GROUPS_HELP);
      const id = one(positionals, 'group id');
      if (command === 'show') {
        out(JSON.stringify(s.groups.require(id), null, 2) + '\n');
        return 0;
      }
      const members = s.groups.members(id);
      if (v.json) out(JSON.stringify(members, null, 2) + '\n');
      else out((members.length ? deviceTable(members) : '') + `${members.length} devices in ${id}\n`);
      return 0;
    }
    case 'add': {
      const { values: v, positionals } = parse(rest, {
        id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, filter: { type: 'string' }, 'name-pattern': { type: 'string' },
        tag: { type: 'string', multiple: true }, 'tag-match': { type: 'string' }, address: { type: 'string' }, model: { type: 'string', multiple: true },
        application: { type: 'string', multiple: true }, status: { type: 'string', multiple: true }, enabled: { type: 'string' }, bbox: { type: 'string' },
        near: { type: 'string' }, include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
      });
      if (v.help) return help(out, GROUPS_HELP);
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      let filter: Record<string, unknown> = {};
      if (v.filter !== undefined) {
        try {
          filter = JSON.parse(v.filter);
        } catch {
          throw new UsageError('--filter must be JSON, e.g. \'{"tags":["school"]}\'');
        }
      }
      const bbox = numbers('bbox', v.bbox, 4);
      const near = numbers('near', v.near, 3);
      if (v.enabled !== undefined && v.enabled !== 'true' && v.enabled !== 'false') throw new UsageError('--enabled is true or false');
      const flags: SmartGroupFilter = {
        ...(v['name-pattern'] !== undefined && { name: v['name-pattern'] }),
        ...(v.tag && { tags: v.tag }),
        ...(v['tag-match'] !== undefined && { tagMatch: v['tag-match'] as 'any' | 'all' }),
        ...(v.address !== undefined && { address: v.address }),
        ...(v.model && { models: v.model }),
        ...(v.application && { applications: v.application }),
        ...(v.status && { status: v.status as SmartGroupFilter['status'] }),
        ...(v.enabled !== undefined && { enabled: v.enabled === 'true' }),
        ...(bbox && { bbox: { minLat: bbox[0]!, minLon: bbox[1]!, maxLat: bbox[2]!, maxLon: bbox[3]! } }),
        ...(near && { near: { lat: near[0]!, lon: near[1]!, radiusKm: near[2]! } }),
        ...(v.include && { include: v.include }),
        ...(v.exclude && { exclude: v.exclude }),
      };
      const group = s.groups.create({ ...(v.id !== undefined && { id: v.id }), name: v.name, ...(v.description !== undefined && { description: v.description }), filter: { ...filter, ...flags } });
      out(`added smart group ${group.id} (${s.groups.members(group.id).length} devices now)\n`);
      return 0;
    }
    case 'remove': {
      const { values: v, positionals } = parse(rest, {});
      if (v.help) return help(out, GROUPS_HELP);
      const group = s.groups.delete(one(positionals, 'group id'));
      out(`removed smart group ${group.id}\n`);
      return 0;
    }
    default:
      return usage(out, command, GROUPS_HELP);
  }
}

async function templates(argv: string[], s: DevicesCommandServices, out: (t: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'list': {
      const { values: v } = parse(rest, { json: { type: 'boolean' } });
      if (v.help) return help(out, TEMPLATES_HELP);
      const list = s.templates.list();
      if (v.json) out(JSON.stringify(list.map(({ points, ...t }) => ({ ...t, points: points.length })), null, 2) + '\n');
      else out(table([['ID', 'SOURCE', 'MODELS', 'POINTS', 'NAME'], ...list.map((t) => [t.id, t.source, t.models.join(','), String(t.points.length), t.name])]));
      return 0;
    }
    case 'show': {
      const { values: v, positionals } = parse(rest, {});
      if (v.help) return help(out, TEMPLATES_HELP);
      const id = one(positionals, 'template id');
      const template = s.templates.get(id);
      if (!template) throw new TemplateStoreError('template_not_found', `no template "${id}"`);
      out(JSON.stringify(template, null, 2) + '\n');
      return 0;
    }
    case 'add': {
      const { values: v, positionals } = parse(rest, { replace: { type: 'boolean' } });
      if (v.help) return help(out, TEMPLATES_HELP);
      const file = one(positionals, 'JSON file');
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`${file} is not readable JSON: ${(err as Error).message}`);
      }
      const template = s.templates.add(json, { replace: v.replace });
      out(`added template ${template.id} (${template.points.length} points, models ${template.models.join(', ')})\n`);
      return 0;
    }
    case 'remove': {
      const { values: v, positionals } = parse(rest, {});
      if (v.help) return help(out, TEMPLATES_HELP);
      const template = s.templates.delete(one(positionals, 'template id'));
      out(`removed template ${template.id}\n`);
      return 0;
    }
    default:
      return usage(out, command, TEMPLATES_HELP);
  }
}

function help(out: (t: string) => void, text: string): number {
  out(text);
  return 0;
}

function usage(out: (t: string) => void, command: string | undefined, text: string): number {
  if (command === '--help' || command === '-h' || command === 'help') return help(out, text);
  out(`${command ? `unknown command "${command}"\n\n` : ''}${text}`);
  return 2;
}

/**
 * `devices ...`, `groups ...` or `templates ...` (argv starts with the noun). Returns the exit code:
 * 0 done, 1 refused (validation, not found, failed import rows), 2 wrong usage.
 */
export async function devicesCommand(argv: string[], services: DevicesCommandServices): Promise<number> {
  const out = services.out ?? ((t: string) => void process.stdout.write(t));
  const err = services.err ?? ((t: string) => void process.stderr.write(t));
  const [noun, ...rest] = argv;
  const helpText = noun === 'groups' ? GROUPS_HELP : noun === 'templates' ? TEMPLATES_HELP : DEVICES_HELP;
  try {
    if (noun === 'devices') return await devices(rest, services, out);
    if (noun === 'groups') return await groups(rest, services, out);
    if (noun === 'templates') return await templates(rest, services, out);
    err(`unknown command "${noun}" (devices, groups or templates)\n`);
    return 2;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n\n${helpText}`);
      return 2;
    }
    if (e instanceof DeviceError || e instanceof SmartGroupError || e instanceof TemplateStoreError || e instanceof CsvImportError) {
      const details = e.details as ({ field?: string; line?: number | null; message: string } | string)[];
      err(`${e.code}: ${details.length ? e.message.split(':')[0] : e.message}\n`);
      for (const d of details) err(typeof d === 'string' ? `  - ${d}\n` : `  - ${d.line ? `line ${d.line}: ` : ''}${d.field ? `${d.field}: ` : ''}${d.message}\n`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      err(`${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
