// One ControllerLink per controller address, shared by every poller and writer in the process, so a
// controller that accepts one client never sees two.
import { ControllerLink, type LinkOptions, type LinkTarget } from '../drivers/modbus/controller-link.ts';
import { PointReader } from '../drivers/modbus/point-reader.ts';

interface Entry {
  link: ControllerLink;
  reader: PointReader;
}

export class LinkPool {
  private readonly entries = new Map<string, Entry>();
  private readonly options: Partial<LinkOptions>;

  constructor(options: Partial<LinkOptions> = {}) {
    this.options = options;
  }

  private key(t: LinkTarget): string {
    return `${t.host}:${t.port}/${t.unitId}`;
  }

  get(target: LinkTarget, maxRegistersPerRead: number): Entry {
    const key = this.key(target);
    let entry = this.entries.get(key);
    if (!entry) {
      const link = new ControllerLink(target, this.options);
      entry = { link, reader: new PointReader(link, maxRegistersPerRead) };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Closes and forgets a link (device deleted or its address changed). */
  async release(target: LinkTarget): Promise<void> {
    const key = this.key(target);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    await entry?.link.close();
  }

  get size(): number {
    return this.entries.size;
  }

  get connectedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.link.connected) n++;
    return n;
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.link.close()));
  }
}
