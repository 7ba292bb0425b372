// Helpers shared by the simulator tests: a modbus-serial client with a timeout, decoding of template
// points, and a raw-socket request for the cases a well-behaved client library cannot produce.
import net from 'node:net';
import { createRequire } from 'node:module';
import type { PointDefinition } from '../runtime/templates/template.ts';

/** The part of modbus-serial's client the tests use (its CommonJS default export does not type under nodenext). */
export interface ModbusRTU {
  isOpen: boolean;
  connectTCP(ip: string, options: { port: number }): Promise<void>;
  setID(id: number): void;
  setTimeout(ms: number): void;
  readHoldingRegisters(address: number, length: number): Promise<{ data: number[] }>;
  readInputRegisters(address: number, length: number): Promise<{ data: number[] }>;
  writeRegister(address: number, value: number): Promise<unknown>;
  close(callback: () => void): void;
}
// modbus-serial is CommonJS with a default export typed as a namespace; load the class through require.
const ModbusClient = createRequire(import.meta.url)('modbus-serial') as new () => ModbusRTU;

export async function connectClient(port: number, unit = 1, timeoutMs = 1000): Promise<ModbusRTU> {
  const client = new ModbusClient();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(unit);
  client.setTimeout(timeoutMs);
  return client;
}

export function closeClient(client: ModbusRTU): Promise<void> {
  return new Promise((resolve) => (client.isOpen ? client.close(() => resolve()) : resolve()));
}

export function decode(point: PointDefinition, words: number[]): number {
  let raw = point.type === 'uint32' || point.type === 'int32' ? words[0]! * 65536 + words[1]! : words[0]!;
  if (point.type === 'int16' && raw > 0x7fff) raw -= 0x10000;
  return raw * point.scale;
}

/** Sends raw bytes, collects what comes back until `until` bytes arrived, the peer closes, or `waitMs` passes. */
export function rawExchange(port: number, request: Buffer | Buffer[], waitMs = 300, until = Infinity): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      // Let the server see the close before the next connection (it serves one client at a time).
      setTimeout(() => resolve({ data, closed }), 30);
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('connect', async () => {
      for (const part of Array.isArray(request) ? request : [request]) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= until) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** MBAP frame: FC03/04 read or FC06 write; PNU-based like the domain notes (register = pnu - 1). */
export function frame(transaction: number, unit: number, fc: number, pnu: number, value: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(transaction, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(6, 4);
  b[6] = unit;
  b[7] = fc;
  b.writeUInt16BE(pnu - 1, 8);
  b.writeUInt16BE(value, 10);
  return b;
}

export async function expectModbusError(promise: Promise<unknown>): Promise<{ modbusCode?: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { modbusCode?: number; message: string };
  }
  throw new Error('expected the request to fail');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
