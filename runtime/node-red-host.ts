// The slice of Node-RED's embedding API the host uses (node-red ships no type declarations).
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { Express } from 'express';

export interface NodeRedRuntime {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: Express;
  httpNode: Express;
  version(): string;
  events: { on(event: string, listener: (...args: unknown[]) => void): void };
  nodes: { getFlows(): { flows: unknown[] } | null };
}

export function loadNodeRed(): NodeRedRuntime {
  return createRequire(import.meta.url)('node-red') as NodeRedRuntime;
}
