// Types for the parts of node-red-node-test-helper our tests use (the package ships none).
declare module 'node-red-node-test-helper' {
  import type { EventEmitter } from 'node:events';
  interface TestNode extends EventEmitter {
    id: string;
    receive(msg: Record<string, unknown>): void;
    status: ((...args: unknown[]) => void) & { calledWithMatch(match: object): boolean };
    error: ((...args: unknown[]) => void) & { calledWithMatch(match: unknown): boolean };
    [key: string]: unknown;
  }
  interface Helper {
    init(nodeRedPath: string, userSettings?: Record<string, unknown>): void;
    settings(settings: Record<string, unknown>): void;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    load(nodes: unknown, flow: object[], credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): TestNode;
    url(): string;
    request(): unknown;
  }
  const helper: Helper;
  export default helper;
}
