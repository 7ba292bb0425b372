// What every format writer gets and does: a file opened at the start, one call per device table (awaited,
// so back-pressure reaches the historian reads), and finish() closing the file.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DeviceTable } from '../report-data.ts';
import type { Labels, ReportTexts } from '../report-text.ts';
import type { ReportDefinition } from '../types.ts';

export interface RenderContext {
  def: ReportDefinition;
  timeZone: string;
  from: number;
  to: number;
  times: readonly number[];
  generatedAt: number;
  utility: string;
  deviceCount: number;
  labels: Labels;
  texts: ReportTexts;
}

export interface FormatWriter {
  device(table: DeviceTable): Promise<void>;
  /** Closes the file; resolves when it is complete on disk. */
  finish(): Promise<void>;
  /** Closes without completing (the run failed). */
  abort(): Promise<void>;
}

/** A file stream whose write() waits for 'drain', so a fast producer cannot fill memory. */
export class FileSink {
  readonly stream: WriteStream;
  constructor(path: string) {
    this.stream = createWriteStream(path);
  }
  async write(chunk: string | Buffer): Promise<void> {
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async end(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
  }
}
