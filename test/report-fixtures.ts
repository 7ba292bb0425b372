// Shared by the report tests: known readings written into a real embedded historian, a real SMTP server
// (smtp-server) that can refuse mail on demand, a small MIME reader for what it received, and pdftotext.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Historian } from '../runtime/historian/historian.ts';
import type { Sample } from '../runtime/readings.ts';
import { freePort } from './support/free-port.ts';
import { tempDataDir } from './support/runtime-process.ts';

export const QUARTER = 15 * 60_000;

/** Deterministic readings of device number k at quarter i: temperatures and a monotonic heat counter. */
export function reading(k: number, i: number): { supply: number; ret: number; energy: number } {
  const supply = 70 + 5 * Math.sin(i / 17 + k) + k * 0.25;
  const ret = 40 + 3 * Math.cos(i / 23 + k) - k * 0.1;
  // 2.5 kWh per quarter plus a daily swing: the counter only grows.
  const energy = 1000 * (k + 1) + i * 2.5 + Math.floor(i / 96) * 0.75 * k;
  return { supply: Math.round(supply * 100) / 100, ret: Math.round(ret * 100) / 100, energy: Math.round(energy * 100) / 100 };
}

/** Writes one sample per quarter per point for the devices over [from, to), in chunks, and flushes. */
export async function writeReadings(historian: Historian, devices: string[], from: number, to: number, stepMs = QUARTER): Promise<number> {
  let n = 0;
  for (let k = 0; k < devices.length; k++) {
    const batch: Sample[] = [];
    for (let ts = from, i = 0; ts < to; ts += stepMs, i++) {
      const r = reading(k, i);
      batch.push(
        { device: devices[k]!, point: 'supply_temp_c', ts, value: r.supply, quality: 'good' },
        { device: devices[k]!, point: 'return_temp_c', ts, value: r.ret, quality: 'good' },
        { device: devices[k]!, point: 'heat_energy_kwh', ts, value: r.energy, quality: 'good' },
      );
    }
    historian.writeSamples(batch);
    n += batch.length;
    if (k % 50 === 49) await historian.flush();
  }
  await historian.flush();
  return n;
}

// ---- SMTP ------------------------------------------------------------------------------------------------

export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
  parts: MimePart[];
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** Enough MIME for nodemailer's output: nested multiparts, base64 and quoted-printable. */
export function parseMime(raw: Buffer): MimePart {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const headers = parseHeaders(text.slice(0, split));
  const bodyText = text.slice(split + 4);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const pieces = bodyText.split(`--${boundary}`).slice(1);
    const parts = pieces.filter((p) => !p.startsWith('--')).map((p) => parseMime(Buffer.from(p.replace(/^\r\n/, ''), 'latin1')));
    return { headers, body: Buffer.alloc(0), parts };
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const body = encoding === 'base64' ? Buffer.from(bodyText.replace(/\s+/g, ''), 'base64')
    : encoding === 'quoted-printable' ? Buffer.from(bodyText.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
      : Buffer.from(bodyText, 'latin1');
  return { headers, body, parts: [] };
}

export function flatten(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(flatten) : [part];
}

export function attachments(part: MimePart): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const p of flatten(part)) {
    const name = /filename="?([^";]+)"?/i.exec(p.headers['content-disposition'] ?? '')?.[1];
    if (name) out.set(name, p.body);
  }
  return out;
}

export function htmlOf(part: MimePart): string {
  return flatten(part).find((p) => (p.headers['content-type'] ?? '').startsWith('text/html'))?.body.toString('utf8') ?? '';
}

export interface ReceivedMail { to: string[]; raw: Buffer; mime: MimePart; subject: string }

type SmtpServerCtor = new (options: Record<string, unknown>) => { listen(port: number, host: string, cb: () => void): void; close(cb: () => void): void };

/** A real SMTP server on 127.0.0.1; `refuse` > 0 makes it reject that many messages with a 451. */
export async function startSmtp(): Promise<{ url: URL; mails: ReceivedMail[]; refuse: number; waitFor(n: number, ms?: number): Promise<void>; close(): Promise<void> }> {
  const { SMTPServer } = createRequire(import.meta.url)('smtp-server') as { SMTPServer: SmtpServerCtor };
  const state = {
    url: new URL('smtp://127.0.0.1'),
    mails: [] as ReceivedMail[],
    refuse: 0,
    async waitFor(n: number, ms = 15_000) {
      const until = Date.now() + ms;
      while (state.mails.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(state.mails.length >= n, `expected ${n} mails, got ${state.mails.length}`);
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 200 * 1024 * 1024,
    onData(stream: NodeJS.ReadableStream, session: { envelope: { rcptTo: Array<{ address: string }> } }, callback: (err?: Error) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.refuse > 0) {
          state.refuse--;
          const err = new Error('mailbox busy, try later') as Error & { responseCode: number };
          err.responseCode = 451;
          return callback(err);
        }
        const raw = Buffer.concat(chunks);
        const mime = parseMime(raw);
        const subjectRaw = mime.headers.subject ?? '';
        // RFC 2047 encoded words, as nodemailer writes non-ASCII subjects.
        const subject = subjectRaw.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) =>
          enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8')
            : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
        state.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, mime, subject });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.url = new URL(`smtp://127.0.0.1:${port}?from=reports%40utility.example`);
  state.close = () => new Promise<void>((resolve) => server.close(resolve));
  return state;
}

/** Text of a PDF through Debian's pdftotext (poppler-utils), layout kept so table rows stay on one line. */
export function pdfText(pdf: Buffer | string): string {
  let path = pdf as string;
  if (Buffer.isBuffer(pdf)) {
    path = join(tempDataDir('heatgrid-pdf-'), 'report.pdf');
    writeFileSync(path, pdf);
  }
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF) to read our CSV back independently. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) (row.push(field), (field = ''));
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      (row = []), (field = ''), i++;
    } else field += c;
  }
  if (field || row.length) (row.push(field), rows.push(row));
  return rows;
}
