// Alarm mail through a real SMTP server (smtp-server, in process): one alarm = one mail in the receiver's
// language with device, point, value, limit, since and link; a flood of 500 alarms = one digest per
// receiver; notification delay; failures retried with backoff and visible; the queue survives a restart.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { AlarmService } from '../runtime/alarms/alarm-service.ts';
import { Notifier, type MailMessage } from '../runtime/notify/notifier.ts';
import { MAIL_KINDS, render } from '../runtime/notify/mail-templates.ts';
import { LANGUAGES } from '../runtime/alarms/types.ts';
import type { AlarmEvent } from '../runtime/historian/historian.ts';
import { tempDataDir } from './support/runtime-process.ts';
import { freePort } from './support/free-port.ts';

interface ReceivedMail { to: string[]; raw: string }
interface SmtpServerLike { listen(port: number, host: string, cb: () => void): void; close(cb: () => void): void }
type SmtpServerCtor = new (options: Record<string, unknown>) => SmtpServerLike;

/** A real SMTP server on 127.0.0.1 collecting what it receives. */
export async function startSmtpServer(): Promise<{ url: URL; mails: ReceivedMail[]; close(): Promise<void>; waitFor(n: number, ms?: number): Promise<void> }> {
  const { SMTPServer } = createRequire(import.meta.url)('smtp-server') as { SMTPServer: SmtpServerCtor };
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream: NodeJS.ReadableStream, session: { envelope: { rcptTo: Array<{ address: string }> } }, callback: (err?: Error) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: new URL(`smtp://127.0.0.1:${port}?from=alarms%40utility.example`),
    mails,
    close: () => new Promise<void>((resolve) => server.close(resolve)),
    async waitFor(n: number, ms = 10_000) {
      const until = Date.now() + ms;
      while (mails.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(mails.length >= n, `expected ${n} mails, got ${mails.length}`);
    },
  };
}

/** Decodes a quoted-printable text body enough to search it. */
export function bodyOf(raw: string): string {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

describe('alarm notifications (notify/)', function () {
  let dir: string;
  let store: ConfigStore;
  let now: number;
  const clock = { now: () => now };
  const journal = { events: [] as AlarmEvent[], writeAlarmEvents(e: readonly AlarmEvent[]) { this.events.push(...e); }, async queryAlarmEvents() { return []; } };

  beforeEach(function () {
    dir = tempDataDir('heatgrid-notify-');
    store = new ConfigStore(dir);
    now = Date.UTC(2026, 0, 5, 12, 0, 0);
  });
  afterEach(function () {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a subject and body for every kind in en, de, da and sv', function () {
    const context = { deviceName: 'Vestergade 12', device: 'sim-0001', message: 'supply_temp_c 95 > 90', priorityLabel: 'HIGH', count: 2, items: [], more: 0 };
    for (const lang of LANGUAGES) for (const kind of MAIL_KINDS) {
      const mail = render(lang, kind, context);
      assert.ok(mail.subject.length > 5 && !mail.subject.includes('\n'), `${lang}/${kind} subject`);
      assert.ok(mail.text.length > 20, `${lang}/${kind} body`);
    }
  });

  it('one alarm → one mail per receiver in its language; a flood of 500 → one digest per receiver', async function () {
    const smtp = await startSmtpServer();
    const alarms = new AlarmService({ store, historian: journal, timeZone: 'Europe/Copenhagen', clock, tickMs: 0, installDefaults: false });
    const notifier = new Notifier({ store, smtp: smtp.url, publicUrl: 'https://scada.utility.example', timeZone: 'Europe/Copenhagen', clock, pollMs: 0, batchWindowMs: 1000 });
    notifier.attach(alarms);
    try {
      alarms.createRule({
        id: 'hot', name: 'Supply too hot', kind: 'threshold', point: 'supply_temp_c', condition: { type: 'high', limit: 90 }, priority: 'high',
        receivers: [{ email: 'olga@utility.example', language: 'da' }, { email: 'Hans@utility.example', language: 'de' }],
      });
      alarms.processPoll({ device: { id: 'sub-1', name: 'Vestergade 12' }, ts: now, application: 'A266.1', readings: { supply_temp_c: 95.5 }, quality: {} });
      await notifier.dispatch();
      assert.equal(smtp.mails.length, 0, 'waits for the batch window');
      now += 1000;
      await notifier.dispatch();
      await smtp.waitFor(2);
      const da = smtp.mails.find((m) => m.to[0] === 'olga@utility.example')!;
      const daBody = bodyOf(da.raw);
      assert.match(da.raw, /^From: alarms@utility\.example/m);
      assert.match(da.raw, /Subject: \[HØJ\] Vestergade 12: supply_temp_c 95\.50 > 90|Subject: =\?UTF-8\?/);
      for (const text of ['Alarm på Vestergade 12 (sub-1)', 'supply_temp_c', '95,5', '90', 'Siden:', 'https://scada.utility.example/devices/sub-1']) assert.ok(daBody.includes(text), `da body has ${text}:\n${daBody}`);
      assert.ok(bodyOf(smtp.mails.find((m) => m.to[0] === 'hans@utility.example')!.raw).includes('Alarm bei Vestergade 12'));

      // Flood: 500 devices cross the limit in the same second.
      for (let i = 0; i < 500; i++) alarms.processPoll({ device: { id: `f-${i}`, name: `Flood ${i}` }, ts: now, application: null, readings: { supply_temp_c: 99 }, quality: {} });
      now += 1000;
      await notifier.dispatch();
      await smtp.waitFor(4);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(smtp.mails.length, 4, 'one digest per receiver, not 1000 mails');
      const digest = bodyOf(smtp.mails[2]!.raw);
      assert.match(smtp.mails[2]!.raw, /X-Heatgrid-Alarms: 500/);
      assert.match(digest, /500/);
      assert.match(digest, /(… and|… og|… und) 400/);
      assert.equal(notifier.health().pending, 0);
    } finally {
      await notifier.close();
      alarms.close();
      await smtp.close();
    }
  });

  it('notification delay: nothing is sent for an alarm acknowledged or returned in time; return mails when asked', async function () {
    const sent: MailMessage[] = [];
    const alarms = new AlarmService({ store, historian: journal, timeZone: 'UTC', clock, tickMs: 0, installDefaults: false });
    const notifier = new Notifier({ store, smtp: { sendMail: async (m) => { sent.push(m); } }, publicUrl: 'http://x', timeZone: 'UTC', clock, pollMs: 0, batchWindowMs: 0 });
    notifier.attach(alarms);
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 't', condition: { type: 'high', limit: 90 }, notifyDelayS: 600, notifyOnReturn: true, receivers: ['a@b.example'] });
    const p = (device: string, v: number) => alarms.processPoll({ device: { id: device, name: device }, ts: now, application: null, readings: { t: v }, quality: {} });
    p('acked', 95);
    p('gone', 95);
    p('stays', 95);
    alarms.acknowledge('hot:acked', { user: 'olga' });
    now += 60_000;
    p('gone', 80);
    now += 600_000;
    await notifier.dispatch();
    assert.deepEqual(sent.map((m) => m.subject), ['[medium] stays: t 95 > 90']);
    p('stays', 80);
    await notifier.dispatch();
    assert.equal(sent.length, 2);
    assert.match(sent[1]!.subject, /^\[OK\] stays: hot back to normal/);
    await notifier.close();
    alarms.close();
  });

  it('retries failed deliveries with backoff, shows them, and keeps the queue over a restart', async function () {
    let fail = true;
    const sent: MailMessage[] = [];
    const transport = { sendMail: async (m: MailMessage) => { if (fail) throw new Error('connect ECONNREFUSED'); sent.push(m); } };
    const alarms = new AlarmService({ store, historian: journal, timeZone: 'UTC', clock, tickMs: 0, installDefaults: false });
    let notifier = new Notifier({ store, smtp: transport, publicUrl: 'http://x', timeZone: 'UTC', clock, pollMs: 0, batchWindowMs: 0, retryBaseMs: 30_000 });
    notifier.attach(alarms);
    alarms.createRule({ id: 'hot', name: 'hot', kind: 'threshold', point: 't', condition: { type: 'high', limit: 90 }, receivers: ['a@b.example'] });
    alarms.processPoll({ device: { id: 'd', name: 'd' }, ts: now, application: null, readings: { t: 95 }, quality: {} });
    await notifier.dispatch();
    assert.equal(notifier.health().pending, 1);
    assert.match(notifier.queue()[0]!.lastError!, /ECONNREFUSED/);
    assert.equal(notifier.queue()[0]!.dueAt, now + 30_000);
    now += 29_000;
    await notifier.dispatch();
    assert.equal(notifier.queue()[0]!.attempts, 1, 'not before the backoff');
    now += 1000;
    await notifier.dispatch();
    assert.equal(notifier.queue()[0]!.dueAt, now + 60_000, 'backoff doubles');
    await notifier.close();

    fail = false;
    now += 60_000;
    notifier = new Notifier({ store, smtp: transport, publicUrl: 'http://x', timeZone: 'UTC', clock, pollMs: 0, batchWindowMs: 0 });
    notifier.attach(alarms);
    await notifier.dispatch();
    assert.equal(sent.length, 1, 'the queued mail survived the new notifier');
    assert.equal(notifier.health().pending, 0);
    await notifier.close();
    alarms.close();
  });
});
