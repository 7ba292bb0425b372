// A lean Modbus/TCP client for one controller: FC03/FC04 reads and FC06 writes, one request in flight,
// answers matched by transaction id and unit (anything else on the wire is discarded). We use it instead
// of modbus-serial's client because that one keeps up to 256 settled transactions per connection
// (about 2 GB at 10,000 controllers, and the garbage-collection pauses that come with it) and computes an
// RTU checksum for every TCP frame; see docs/fleet.md for the measurement.
import { Socket } from 'node:net';

export type ModbusTcpErrorKind = 'exception' | 'closed' | 'protocol' | 'connect';

export class ModbusTcpError extends Error {
  readonly kind: ModbusTcpErrorKind;
  readonly exceptionCode: number | undefined;
  constructor(kind: ModbusTcpErrorKind, message: string, exceptionCode?: number) {
    super(message);
    this.kind = kind;
    this.exceptionCode = exceptionCode;
  }
}

interface Pending {
  transactionId: number;
  functionCode: number;
  resolve: (pdu: Buffer) => void;
  reject: (err: ModbusTcpError) => void;
}

const MBAP_LENGTH = 7;
/** Largest Modbus ADU: a longer length field means the stream is not Modbus. */
const MAX_ADU = 260;

export class ModbusTcpClient {
  private readonly socket = new Socket();
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private nextTransactionId = 1;
  private open = false;
  private readonly unitId: number;

  constructor(unitId: number) {
    this.unitId = unitId;
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('close', () => {
      this.open = false;
      this.fail(new ModbusTcpError('closed', 'connection closed by the controller'));
    });
    this.socket.on('error', (err) => this.fail(new ModbusTcpError('closed', err.message)));
  }

  get isOpen(): boolean {
    return this.open;
  }

  connect(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.socket.off('connect', onConnect);
        reject(new ModbusTcpError('connect', err.message));
      };
      const onConnect = () => {
        this.socket.off('error', onError);
        this.open = true;
        resolve();
      };
      this.socket.once('error', onError);
      this.socket.once('connect', onConnect);
      this.socket.connect({ host, port });
    });
  }

  async readRegisters(functionCode: 3 | 4, start: number, count: number): Promise<number[]> {
    const pdu = await this.request(functionCode, [start, count]);
    const bytes = pdu[1]!;
    if (bytes !== count * 2 || pdu.length < 2 + bytes) throw new ModbusTcpError('protocol', `expected ${count * 2} data bytes, got ${bytes}`);
    const words = new Array<number>(count);
    for (let i = 0; i < count; i++) words[i] = pdu.readUInt16BE(2 + i * 2);
    return words;
  }

  async writeRegister(register: number, value: number): Promise<void> {
    const pdu = await this.request(6, [register, value]);
    if (pdu.length < 5 || pdu.readUInt16BE(1) !== register || pdu.readUInt16BE(3) !== value) {
      throw new ModbusTcpError('protocol', 'write was not echoed back');
    }
  }

  destroy(): void {
    this.open = false;
    this.socket.destroy();
    this.fail(new ModbusTcpError('closed', 'connection closed'));
  }

  private request(functionCode: number, words: [number, number]): Promise<Buffer> {
    if (!this.open) return Promise.reject(new ModbusTcpError('closed', 'not connected'));
    if (this.pending) return Promise.reject(new ModbusTcpError('protocol', 'a request is already in flight'));
    const transactionId = this.nextTransactionId;
    this.nextTransactionId = (this.nextTransactionId % 0xffff) + 1;
    const frame = Buffer.allocUnsafe(12);
    frame.writeUInt16BE(transactionId, 0);
    frame.writeUInt16BE(0, 2);
    frame.writeUInt16BE(6, 4);
    frame.writeUInt8(this.unitId, 6);
    frame.writeUInt8(functionCode, 7);
    frame.writeUInt16BE(words[0], 8);
    frame.writeUInt16BE(words[1], 10);
    return new Promise((resolve, reject) => {
      this.pending = { transactionId, functionCode, resolve, reject };
      this.socket.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= MBAP_LENGTH) {
      const length = this.buffer.readUInt16BE(4);
      if (length < 2 || length + 6 > MAX_ADU || this.buffer.readUInt16BE(2) !== 0) {
        this.buffer = Buffer.alloc(0);
        this.fail(new ModbusTcpError('protocol', 'not a Modbus/TCP frame'));
        return;
      }
      if (this.buffer.length < 6 + length) return;
      const transactionId = this.buffer.readUInt16BE(0);
      const unit = this.buffer.readUInt8(6);
      const pdu = this.buffer.subarray(7, 6 + length);
      this.buffer = this.buffer.subarray(6 + length);
      const pending = this.pending;
      // A late answer to a request we gave up on, or another unit's: not ours.
      if (!pending || transactionId !== pending.transactionId || unit !== this.unitId) continue;
      this.pending = null;
      const fc = pdu[0]!;
      if (fc === (pending.functionCode | 0x80)) pending.reject(new ModbusTcpError('exception', `Modbus exception ${pdu[1]}`, pdu[1]));
      else if (fc !== pending.functionCode) pending.reject(new ModbusTcpError('protocol', `answer with function ${fc} to request ${pending.functionCode}`));
      else pending.resolve(Buffer.from(pdu));
    }
  }

  private fail(err: ModbusTcpError): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(err);
  }
}
