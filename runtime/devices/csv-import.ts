// Bulk commissioning from a spreadsheet: an RFC 4180 CSV reader and the device import built on it.
//
// File format (one device per row, header row required, column order free, header names
// case-insensitive):
//
//   id,name,model,application,host,port,unit_id,address,lat,lon,tags
//   kirkkokatu-1,Kirkkokatu 1,ecl-comfort-310,A266.1,10.20.0.11,502,1,"Kirkkokatu 1, Helsinki",60.1719,24.9522,school|north
//
//   - name and host are required columns; every other column may be left out.
//   - id: optional; derived from the name when empty (give ids if you will re-import the file with upsert).
//   - model defaults to ecl-comfort-310, port to 502, unit_id to 1; application is detected on ECL later.
//   - tags are separated by "|"; lat/lon accept a decimal comma (60,1719) as European Excel writes it.
//   - optional columns: enabled (true/false/yes/no/1/0), template_id.
//   - the delimiter is "," or ";" (European Excel) or tab, detected from the header; a UTF-8 BOM is ignored;
//     quoted fields may hold the delimiter, quotes ("") and line breaks; CRLF or LF line ends.
//   - with upsert, a row whose id exists updates that device with the cells that are not empty.
import type { DeviceRegistry } from './registry.ts';
import { DeviceError, type DeviceInput, type FieldProblem } from './validation.ts';

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvRecord {
  /** 1-based line on which the record starts (as a spreadsheet user counts them, header = 1). */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number | null;
  field?: string;
  message: string;
}

export class CsvImportError extends Error {
  readonly code = 'invalid_csv';
  readonly details: CsvProblem[];
  constructor(message: string, details: CsvProblem[] = []) {
    super(details.length ? `${message}: ${details.map((d) => `${d.line !== null ? `line ${d.line}: ` : ''}${d.message}`).join('; ')}` : message);
    this.details = details;
  }
}

/** Counts delimiter candidates in the first record (outside quotes); ties go to the comma. */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c in counts) counts[c as CsvDelimiter]++;
  }
  return counts[';'] > counts[','] && counts[';'] >= counts['\t'] ? ';' : counts['\t'] > counts[','] ? '\t' : ',';
}

/** RFC 4180 reader. Blank lines are skipped; an unclosed quote or text after a closing quote is an error. */
export function parseCsv(text: string, delimiter: CsvDelimiter = detectDelimiter(text)): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let recordLine = 1;
  const n = text.length;
  const endRecord = () => {
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };
  while (i <= n) {
    if (i === n) {
      if (fields.length) endRecord();
      break;
    }
    if (fields.length === 0) recordLine = line;
    let value: string;
    if (text[i] === '"') {
      const opened = line;
      let out = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) throw new CsvImportError('unreadable CSV', [{ line: opened, message: 'a quoted field starts here and is never closed' }]);
        const chunk = text.slice(i, close);
        for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) line++;
        out += chunk;
        if (text[close + 1] === '"') {
          out += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      value = out;
      const next = text[i];
      if (i < n && next !== delimiter && next !== '\n' && next !== '\r') throw new CsvImportError('unreadable CSV', [{ line, message: `text after a closing quote (put the whole field in quotes)` }]);
    } else {
      let j = i;
      while (j < n) {
        const c = text[j];
        if (c === delimiter || c === '\n' || c === '\r') break;
        j++;
      }
      value = text.slice(i, j);
      i = j;
    }
    fields.push(value);
    const c = text[i];
    if (c === delimiter) {
      i++;
      if (i === n) fields.push('');
    } else if (c === '\r' || c === '\n') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      endRecord();
    }
  }
  return records;
}

const COLUMNS = ['id', 'name', 'model', 'application', 'host', 'port', 'unit_id', 'address', 'lat', 'lon', 'tags', 'enabled', 'template_id'] as const;
type Column = (typeof COLUMNS)[number];
const ALIASES: Record<string, Column> = { unit: 'unit_id', unitid: 'unit_id', latitude: 'lat', longitude: 'lon', lng: 'lon', template: 'template_id', templateid: 'template_id' };
/** Registry field paths → the column a spreadsheet user sees. */
const FIELD_TO_COLUMN: Record<string, string> = { 'connection.host': 'host', 'connection.port': 'port', 'connection.unitId': 'unit_id', templateId: 'template_id' };

export interface CsvImportOptions {
  /** Check and report every row, change nothing. */
  dryRun?: boolean;
  /** Update devices whose id exists (with the non-empty cells) instead of reporting them as errors. */
  upsert?: boolean;
  /** Commit only if every row is valid. */
  allOrNothing?: boolean;
  delimiter?: CsvDelimiter;
}

export interface CsvRowResult {
  line: number;
  id: string | null;
  outcome: 'created' | 'updated' | 'unchanged' | 'error';
  /** For errors: every problem of the row, fields named by column. */
  errors?: FieldProblem[];
  message?: string;
}

export interface CsvImportResult {
  /** False for dry runs and for all-or-nothing imports that met an error. */
  committed: boolean;
  dryRun: boolean;
  delimiter: CsvDelimiter;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  rows: CsvRowResult[];
}

function headerColumns(header: CsvRecord): Column[] {
  const problems: CsvProblem[] = [];
  const seen = new Set<Column>();
  const columns = header.fields.map((raw) => {
    const name = raw.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const column = (COLUMNS as readonly string[]).includes(name) ? (name as Column) : ALIASES[name.replace(/_/g, '')];
    if (!column) problems.push({ line: header.line, field: raw, message: `unknown column "${raw}" (known: ${COLUMNS.join(', ')})` });
    else if (seen.has(column)) problems.push({ line: header.line, field: raw, message: `column "${column}" appears twice` });
    else seen.add(column);
    return column!;
  });
  for (const required of ['name', 'host'] as const) if (!seen.has(required)) problems.push({ line: header.line, field: required, message: `column "${required}" is required` });
  if (problems.length) throw new CsvImportError('the header row is not usable', problems);
  return columns;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;
const BOOLEAN: Record<string, boolean> = { true: true, yes: true, '1': true, false: false, no: false, '0': false };

/** One row → device input with only the cells that are filled in; conversion problems are collected. */
function rowToInput(cells: Partial<Record<Column, string>>, problems: FieldProblem[]): DeviceInput {
  const input: DeviceInput = {};
  const connection: Record<string, unknown> = {};
  const integer = (column: Column, value: string) => {
    if (INTEGER.test(value)) return Number(value);
    problems.push({ field: column, message: `a whole number (got "${value}")` });
    return undefined;
  };
  const decimal = (column: Column, value: string) => {
    if (DECIMAL.test(value)) return Number(value.replace(',', '.'));
    problems.push({ field: column, message: `a number such as 60.1719 or 60,1719 (got "${value}")` });
    return undefined;
  };
  for (const [column, value] of Object.entries(cells) as [Column, string][]) {
    if (value === '') continue;
    switch (column) {
      case 'id':
      case 'name':
      case 'model':
      case 'application':
      case 'address':
        input[column] = value;
        break;
      case 'template_id':
        input.templateId = value;
        break;
      case 'host':
        connection.host = value;
        break;
      case 'port':
      case 'unit_id': {
        const n = integer(column, value);
        if (n !== undefined) connection[column === 'port' ? 'port' : 'unitId'] = n;
        break;
      }
      case 'lat':
      case 'lon': {
        const n = decimal(column, value);
        if (n !== undefined) input[column] = n;
        break;
      }
      case 'tags':
        input.tags = value.split('|').map((t) => t.trim()).filter(Boolean);
        break;
      case 'enabled': {
        const b = BOOLEAN[value.toLowerCase()];
        if (b === undefined) problems.push({ field: column, message: `true or false (got "${value}")` });
        else input.enabled = b;
        break;
      }
    }
  }
  if (Object.keys(connection).length) input.connection = { kind: 'modbus-tcp', ...connection } as DeviceInput['connection'];
  return input;
}

const ROLLBACK = Symbol('rollback');

/**
 * Imports devices from CSV text in one transaction. Every row gets a result; a bad row does not stop
 * the others unless `allOrNothing` is set. Throws CsvImportError when the file itself is unreadable.
 */
export function importDevicesCsv(registry: DeviceRegistry, text: string, options: CsvImportOptions = {}): CsvImportResult {
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const records = parseCsv(text, delimiter);
  if (!records.length) throw new CsvImportError('the file is empty (expected a header row: name,host,...)');
  const columns = headerColumns(records[0]!);
  const result: CsvImportResult = { committed: false, dryRun: !!options.dryRun, delimiter, created: 0, updated: 0, unchanged: 0, failed: 0, rows: [] };
  const linesById = new Map<string, number>();

  const importRow = (record: CsvRecord): CsvRowResult => {
    const problems: FieldProblem[] = [];
    if (record.fields.length > columns.length)
      return { line: record.line, id: null, outcome: 'error', message: `${record.fields.length} cells but the header has ${columns.length} (an unquoted "${delimiter}" in a value?)` };
    const cells: Partial<Record<Column, string>> = {};
    columns.forEach((column, k) => (cells[column] = (record.fields[k] ?? '').trim()));
    const input = rowToInput(cells, problems);
    const id = input.id ?? null;
    if (id !== null && linesById.has(id)) return { line: record.line, id, outcome: 'error', errors: [{ field: 'id', message: `also on line ${linesById.get(id)}` }] };
    const existing = id !== null && registry.exists(id);
    if (existing && !options.upsert) return { line: record.line, id, outcome: 'error', errors: [{ field: 'id', message: 'a device with this id exists (import with upsert to update it)' }] };
    try {
      if (problems.length) {
        // Still run the registry's checks so the row's every problem is reported together.
        if (!existing) registry.prepareCreate(input);
        throw new DeviceError('invalid_device', 'invalid device', []);
      }
      if (existing) {
        const { changed } = registry.change(id, input);
        linesById.set(id, record.line);
        return { line: record.line, id, outcome: changed ? 'updated' : 'unchanged' };
      }
      const device = registry.create(input);
      linesById.set(device.id, record.line);
      return { line: record.line, id: device.id, outcome: 'created' };
    } catch (err) {
      if (!(err instanceof DeviceError)) throw err;
      const named = (p: FieldProblem) => ({ field: FIELD_TO_COLUMN[p.field] ?? p.field, message: p.message });
      const unreadable = new Set(problems.map((p) => p.field));
      // A cell we could not read is reported once, not again as "missing" by the registry.
      const errors = [...problems, ...err.details.map(named).filter((p) => !unreadable.has(p.field) && !(p.field === 'lat' || p.field === 'lon' ? unreadable.has('lat') || unreadable.has('lon') : false))];
      return { line: record.line, id, outcome: 'error', errors };
    }
  };

  try {
    registry.batch(() => {
      for (const record of records.slice(1)) {
        const row = importRow(record);
        if (row.outcome === 'error' && !row.message) row.message = row.errors!.map((e) => `${e.field}: ${e.message}`).join('; ');
        result.rows.push(row);
        if (row.outcome === 'error') result.failed++;
        else result[row.outcome]++;
      }
      if (options.dryRun || (options.allOrNothing && result.failed > 0)) throw ROLLBACK;
    });
    result.committed = true;
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
  return result;
}
