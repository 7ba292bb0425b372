// One Modbus/TCP link to one controller: a single connection and a single request in flight, because an
// ECL accepts effectively one client and drops a second one. Writes queue ahead of polls. After a timeout
// or a broken frame the socket is replaced, so a late answer can never be taken for the next request;
// failed connects back off exponentially so a dead controller costs nothing between attempts.
import type { ReadFunction } from '../../templates/template.ts';
import { ModbusTcpClient, ModbusTcpError } from './tcp-client.ts';

export interface LinkTarget {
  host: string;
  port: number;
  unitId: number;
}

export interface LinkOptions {
  /** Per request and per connect attempt. */
  timeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  now?: () => number;
}

export const DEFAULT_LINK_OPTIONS: LinkOptions = { timeoutMs: 2000, backoffMinMs: 1000, backoffMaxMs: 60_000 };

export type LinkErrorKind = 'connect' | 'timeout' | 'exception' | 'closed' | 'backoff';

export class LinkError extends Error {
  readonly kind: LinkErrorKind;
  /** Modbus exception code for kind "exception". */
  readonly exceptionCode: number | undefined;
  constructor(kind: LinkErrorKind, message: string, exceptionCode?: number) {
    super(message);
    this.kind = kind;
    this.exceptionCode = exceptionCode;
  }
}

/** Writes and one-off reads (detection, read-back) go ahead of routine polls. */
type Priority = 'ahead' | 'poll';
interface Job {
  run: (client: ModbusTcpClient) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class ControllerLink {
  readonly target: LinkTarget;
  private readonly options: LinkOptions;
  private readonly now: () => number;
  private client: ModbusTcpClient | null = null;
  private readonly writes: Job[] = [];
  private readonly polls: Job[] = [];
  private running = false;
  private closed = false;
  private failures = 0;
  private retryAt = 0;
  /** Requests answered and failed over the link's life, for status and benchmarks. */
  readonly counters = { requests: 0, failures: 0, reconnects: 0 };

  constructor(target: LinkTarget, options: Partial<LinkOptions> = {}) {
    this.target = target;
    this.options = { ...DEFAULT_LINK_OPTIONS, ...options };
    this.now = this.options.now ?? Date.now;
  }

  get connected(): boolean {
    return this.client?.isOpen ?? false;
  }

  get queueDepth(): number {
    return this.writes.length + this.polls.length;
  }

  readRegisters(read: ReadFunction, start: number, count: number, priority: Priority = 'poll'): Promise<number[]> {
    return this.enqueue(priority, async (client) => {
      return client.readRegisters(read === 'holding' ? 3 : 4, start, count);
    }) as Promise<number[]>;
  }

  writeRegister(register: number, value: number): Promise<void> {
    return this.enqueue('ahead', async (client) => {
      await client.writeRegister(register, value);
    }) as Promise<void>;
  }

  /** Writes a 32-bit value's two words with FC06 each (ECL has no FC16), high word first. */
  async writeRegisters(register: number, words: number[]): Promise<void> {
    for (const [i, word] of words.entries()) await this.writeRegister(register + i, word);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.writes.splice(0), ...this.polls.splice(0)]) job.reject(new LinkError('closed', 'link closed'));
    await this.dropClient();
  }

  private enqueue(priority: Priority, run: Job['run']): Promise<unknown> {
    if (this.closed) return Promise.reject(new LinkError('closed', 'link closed'));
    return new Promise((resolve, reject) => {
      (priority === 'ahead' ? this.writes : this.polls).push({ run, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.writes.shift() ?? this.polls.shift(); job; job = this.writes.shift() ?? this.polls.shift()) {
        try {
          const client = await this.connect();
          job.resolve(await this.withTimeout(job.run(client)));
          this.counters.requests++;
          this.failures = 0;
        } catch (err) {
          this.counters.failures++;
          const linkError = this.classify(err);
          if (linkError.kind === 'timeout' || linkError.kind === 'closed') await this.dropClient();
          job.reject(linkError);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async connect(): Promise<ModbusTcpClient> {
    if (this.client?.isOpen) return this.client;
    if (this.closed) throw new LinkError('closed', 'link closed');
    const wait = this.retryAt - this.now();
    if (wait > 0) throw new LinkError('backoff', `not reachable; next attempt in ${Math.ceil(wait / 1000)} s`);
    await this.dropClient();
    const client = new ModbusTcpClient(this.target.unitId);
    this.client = client;
    try {
      await this.withTimeout(client.connect(this.target.host, this.target.port));
    } catch (err) {
      await this.dropClient();
      this.failures++;
      const backoff = Math.min(this.options.backoffMaxMs, this.options.backoffMinMs * 2 ** Math.min(this.failures - 1, 16));
      this.retryAt = this.now() + backoff * (0.8 + Math.random() * 0.4);
      throw new LinkError('connect', `cannot connect to ${this.target.host}:${this.target.port}: ${(err as Error).message}`);
    }
    this.counters.reconnects++;
    this.retryAt = 0;
    return client;
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LinkError('timeout', `no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    work.catch(() => undefined); // the loser of the race must not surface as unhandled
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private classify(err: unknown): LinkError {
    if (err instanceof LinkError) return err;
    if (err instanceof ModbusTcpError && err.kind === 'exception') return new LinkError('exception', err.message, err.exceptionCode);
    // A protocol error leaves the stream in an unknown state: treat it like a broken connection.
    return new LinkError('closed', (err as Error).message ?? String(err));
  }

  private async dropClient(): Promise<void> {
    // destroy, not end: an orderly close waits for a controller that may never answer
    this.client?.destroy();
    this.client = null;
  }
}
