// Small HTTP API on 127.0.0.1 to inject faults into a running simulator from outside (benchmarks,
// manual testing): GET /devices, GET /devices/:id, POST /devices/:id/faults {type, ...},
// DELETE /devices/:id/faults[?type=...], POST /clock/advance {ms}. Errors use the API error contract.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultError, parseFault, FAULT_TYPES, type FaultType } from './faults.ts';
import type { SimulatedFleet } from './fleet.ts';

const MAX_BODY = 64 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = status === 204 ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: http.ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message, details: [] } });
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new FaultError('body too large');
    chunks.push(chunk);
  }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

export interface ControlApi {
  port: number;
  close(): Promise<void>;
}

export async function startControlApi(fleet: SimulatedFleet, port = 0, host = '127.0.0.1'): Promise<ControlApi> {
  const byId = new Map(fleet.devices.map((d) => [d.id, d]));
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean);
      try {
        if (req.method === 'GET' && url.pathname === '/devices') {
          return send(res, 200, fleet.devices.map((d) => ({ ...d, faults: fleet.faults(d.id) })));
        }
        if (req.method === 'POST' && url.pathname === '/clock/advance') {
          const body = (await readJson(req)) as { ms?: unknown };
          if (typeof body.ms !== 'number' || !(body.ms >= 0)) return fail(res, 400, 'invalid_ms', 'ms must be a non-negative number');
          fleet.advance(body.ms);
          return send(res, 200, { now: new Date(fleet.clock.now()).toISOString() });
        }
        if (parts[0] === 'devices' && parts[1]) {
          const device = byId.get(decodeURIComponent(parts[1]));
          if (!device) return fail(res, 404, 'device_not_found', `no simulated device ${parts[1]}`);
          if (parts.length === 2 && req.method === 'GET') return send(res, 200, { ...device, faults: fleet.faults(device.id) });
          if (parts.length === 3 && parts[2] === 'faults') {
            if (req.method === 'POST') {
              let fault;
              try {
                fault = parseFault(await readJson(req));
              } catch (err) {
                if (err instanceof SyntaxError) return fail(res, 400, 'malformed_json', 'body is not valid JSON');
                return fail(res, 422, 'invalid_fault', (err as Error).message);
              }
              await fleet.inject(device.id, fault);
              return send(res, 200, { id: device.id, faults: fleet.faults(device.id) });
            }
            if (req.method === 'DELETE') {
              const type = url.searchParams.get('type') as FaultType | null;
              if (type && !FAULT_TYPES.includes(type)) return fail(res, 422, 'invalid_fault_type', `type must be one of ${FAULT_TYPES.join(', ')}`);
              await fleet.clear(device.id, type ?? undefined);
              return send(res, 200, { id: device.id, faults: fleet.faults(device.id) });
            }
          }
        }
        fail(res, 404, 'not_found', `${req.method} ${url.pathname} is not part of the simulator control API`);
      } catch (err) {
        if (!res.headersSent) fail(res, 500, 'internal_error', (err as Error).message);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
