// Modbus/TCP endpoint of one simulated ECL, written on node:net so it can misbehave the way the field
// does: MBAP framing with partial and coalesced frames, unit 1 (PNU 38) and 254 answered and any other
// unit silently ignored, one TCP client at a time (a second connection is accepted, then dropped on its
// first request, as an ECL 310 does), idle connections closed after 75 s, and injected faults.
import net from 'node:net';
import { EXCEPTION_ILLEGAL_FUNCTION, EXCEPTION_ILLEGAL_VALUE, SERVICE_UNIT_ID, type SimulatedEcl } from './controller.ts';
import type { Fault } from './faults.ts';
import { createRng } from './random.ts';

export const DEFAULT_IDLE_TIMEOUT_MS = 75_000;
const MBAP_HEADER = 7;

export interface ModbusServerOptions {
  host?: string;
  /** 0 = any free port (listen(0)); the chosen port is returned by start(). */
  port?: number;
  idleTimeoutMs?: number;
  /** Seed for intermittent faults and garbage bytes. */
  seed?: number;
}

export class EclModbusServer {
  readonly controller: SimulatedEcl;
  private readonly host: string;
  private readonly idleTimeoutMs: number;
  private readonly random: () => number;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active: net.Socket | null = null;
  private faults: Fault[] = [];
  port: number;

  constructor(controller: SimulatedEcl, options: ModbusServerOptions = {}) {
    this.controller = controller;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.random = createRng((options.seed ?? 1) ^ 0x5eed);
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Listens; resolves with the port (the one chosen by the OS when port was 0). */
  start(): Promise<number> {
    if (this.server) return Promise.resolve(this.port);
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        this.server = null;
        reject(err);
      });
      server.listen({ host: this.host, port: this.port, backlog: 16 }, () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Closes the port and every connection and timer. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.active = null;
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  activeFaults(): readonly Fault[] {
    return this.faults;
  }

  async inject(fault: Fault): Promise<void> {
    switch (fault.type) {
      case 'meter-reset':
        this.controller.resetMeter();
        return;
      case 'sensor-break':
        this.controller.setSensorFault(fault.sensor, fault.mode ?? 'open');
        break;
      case 'offline':
        await this.stop();
        break;
    }
    // One fault per type (a new one of the same type replaces it); sensor breaks accumulate per sensor.
    this.faults = this.faults.filter((f) => f.type !== fault.type || (f.type === 'sensor-break' && fault.type === 'sensor-break' && f.sensor !== fault.sensor));
    this.faults.push(fault);
  }

  /** Clears every fault (or those of one type); an offline controller listens again on its port. */
  async clear(type?: Fault['type']): Promise<void> {
    const wasOffline = this.faults.some((f) => f.type === 'offline');
    this.faults = type ? this.faults.filter((f) => f.type !== type) : [];
    if (!type || type === 'sensor-break') this.controller.clearSensorFaults();
    if (wasOffline && !this.faults.some((f) => f.type === 'offline')) await this.start();
  }

  private fault<T extends Fault['type']>(type: T): Extract<Fault, { type: T }> | undefined {
    const f = this.faults.find((x) => x.type === type) as Extract<Fault, { type: T }> | undefined;
    if (!f) return undefined;
    const rate = (f as { rate?: number }).rate;
    return rate === undefined || this.random() < rate ? f : undefined;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    // The ECL serves one client: a second connection is accepted and dropped on its first request.
    const intruder = this.active !== null && !this.active.destroyed;
    if (!intruder) this.active = socket;
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    let buffer: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (intruder) {
        socket.destroy();
        return;
      }
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      while (buffer.length >= MBAP_HEADER) {
        const protocol = buffer.readUInt16BE(2);
        const length = buffer.readUInt16BE(4);
        // Not Modbus/TCP: a real device resets the connection rather than guess at framing.
        if (protocol !== 0 || length < 2 || length > 254) {
          socket.destroy();
          return;
        }
        if (buffer.length < 6 + length) break;
        const frame = buffer.subarray(0, 6 + length);
        buffer = buffer.subarray(6 + length);
        this.handle(socket, frame);
        if (socket.destroyed) return;
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.active === socket) this.active = null;
    });
  }

  private handle(socket: net.Socket, frame: Buffer): void {
    const transaction = frame.readUInt16BE(0);
    const unit = frame[6]!;
    if (unit !== this.controller.unitId && unit !== SERVICE_UNIT_ID) return; // silently, as the device
    if (this.fault('timeout')) return;
    const pdu = this.respond(frame.subarray(MBAP_HEADER));
    let adu = Buffer.alloc(MBAP_HEADER + pdu.length);
    adu.writeUInt16BE(transaction, 0);
    adu.writeUInt16BE(0, 2);
    adu.writeUInt16BE(pdu.length + 1, 4);
    adu[6] = unit;
    pdu.copy(adu, MBAP_HEADER);
    if (this.fault('drop')) {
      // Half an answer, then the line goes dead.
      socket.end(adu.subarray(0, Math.max(1, adu.length >> 1)));
      socket.destroy();
      return;
    }
    const garbage = this.fault('garbage');
    if (garbage?.mode === 'wrong-transaction-id') adu.writeUInt16BE((transaction + 1 + Math.floor(this.random() * 1000)) & 0xffff, 0);
    else if (garbage) adu = Buffer.from(Array.from({ length: 5 + Math.floor(this.random() * 20) }, () => Math.floor(this.random() * 256)));
    const slow = this.fault('slow');
    if (!slow || slow.latencyMs <= 0) {
      socket.write(adu);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!socket.destroyed) socket.write(adu);
    }, slow.latencyMs);
    this.timers.add(timer);
  }

  /** Request PDU → response PDU (data or exception). */
  private respond(pdu: Buffer): Buffer {
    const fc = pdu[0] ?? 0;
    const exception = (code: number) => Buffer.from([fc | 0x80, code]);
    if (fc === 3 || fc === 4) {
      if (pdu.length !== 5) return exception(EXCEPTION_ILLEGAL_VALUE);
      const injected = this.fault('exception');
      if (injected) return exception(injected.code);
      const result = this.controller.read(pdu.readUInt16BE(1) + 1, pdu.readUInt16BE(3));
      if ('exception' in result) return exception(result.exception);
      const out = Buffer.alloc(2 + result.values.length * 2);
      out[0] = fc;
      out[1] = result.values.length * 2;
      result.values.forEach((v, i) => out.writeUInt16BE(v, 2 + i * 2));
      return out;
    }
    if (fc === 6) {
      if (pdu.length !== 5) return exception(EXCEPTION_ILLEGAL_VALUE);
      const code = this.controller.write(pdu.readUInt16BE(1) + 1, pdu.readUInt16BE(3));
      return code ? exception(code) : Buffer.from(pdu);
    }
    return exception(EXCEPTION_ILLEGAL_FUNCTION);
  }
}
