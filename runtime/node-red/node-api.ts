// The slice of Node-RED's node API our nodes use (node-red ships no type declarations), declared once.
export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export type NodeStatus = { fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey'; shape?: 'ring' | 'dot'; text?: string } | Record<string, never>;
export type Send = (msg: NodeMessage | null | (NodeMessage | NodeMessage[] | null)[]) => void;
export type Done = (err?: Error) => void;

export interface RuntimeNode {
  id: string;
  name?: string;
  credentials?: Record<string, string>;
  on(event: 'input', handler: (msg: NodeMessage, send: Send, done: Done) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  send: Send;
  status(status: NodeStatus): void;
  log(msg: string): void;
  warn(msg: string): void;
  error(msg: string | Error, msg2?: NodeMessage): void;
}

export interface NodeRedApi {
  nodes: {
    createNode(node: RuntimeNode, config: Record<string, unknown>): void;
    registerType(type: string, ctor: (this: RuntimeNode, config: never) => void, options?: Record<string, unknown>): void;
    getNode(id: string): unknown;
  };
  _(key: string, substitutions?: Record<string, unknown>): string;
  httpAdmin: import('express').Express;
  auth: { needsPermission(permission: string): import('express').RequestHandler };
  log: { info(m: string): void; warn(m: string): void; error(m: string): void };
}
