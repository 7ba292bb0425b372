// A real QuestDB server for tests: the jar .ci/questdb.sh fetched from Maven Central (same cache, same java
// command), started on free 127.0.0.1 ports in a temp dir, and stoppable/restartable for outage tests.
// The QuestDB suites run when the jar is cached, or when HEATGRID_TEST_QUESTDB=1 or CI=true (then a missing
// jar is fetched, and failing to fetch or start it fails the suite). Otherwise they skip, and say so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const QUESTDB_VERSION = process.env.QUESTDB_VERSION ?? '9.3.4';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = join(process.env.HEATGRID_CACHE_DIR ?? join(homedir(), '.cache', 'heatgrid'), `questdb-${QUESTDB_VERSION}`);
export const QUESTDB_LIB = join(cache, 'lib');

export function questdbRequired(): boolean {
  return process.env.CI === 'true' || process.env.HEATGRID_TEST_QUESTDB === '1';
}

/** Null when the suite may run; otherwise why it is skipped. Throws when required but unobtainable. */
export function questdbSkipReason(): string | null {
  if (existsSync(join(QUESTDB_LIB, `questdb-${QUESTDB_VERSION}.jar`))) return null;
  if (!questdbRequired()) {
    return `QuestDB ${QUESTDB_VERSION} is not in ${QUESTDB_LIB}; run \`bash .ci/questdb.sh fetch\` or set HEATGRID_TEST_QUESTDB=1 to run the QuestDB suites`;
  }
  const fetched = spawnSync('bash', [join(root, '.ci', 'questdb.sh'), 'fetch'], { encoding: 'utf8', env: { ...process.env, QUESTDB_VERSION } });
  if (fetched.status !== 0) throw new Error(`QuestDB is required (CI) but could not be fetched:\n${fetched.stderr}`);
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class QuestDbServer {
  readonly dir: string;
  httpPort = 0;
  pgPort = 0;
  private child: ChildProcess | null = null;

  constructor(dir = mkdtempSync(join(tmpdir(), 'heatgrid-questdb-'))) {
    this.dir = dir;
  }

  get url(): URL {
    return new URL(`http://127.0.0.1:${this.httpPort}/?pg_port=${this.pgPort}`);
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (!this.httpPort) {
      this.httpPort = await freePort();
      this.pgPort = await freePort();
      const [ilp, min] = [await freePort(), await freePort()];
      mkdirSync(join(this.dir, 'root', 'conf'), { recursive: true });
      writeFileSync(join(this.dir, 'root', 'conf', 'server.conf'), [
        `http.bind.to=127.0.0.1:${this.httpPort}`, `pg.net.bind.to=127.0.0.1:${this.pgPort}`, `line.tcp.net.bind.to=127.0.0.1:${ilp}`,
        `http.min.bind.to=127.0.0.1:${min}`, 'telemetry.enabled=false', 'shared.network.worker.count=1', 'shared.query.worker.count=1',
        'shared.write.worker.count=1', 'cairo.o3.column.memory.size=1M', 'cairo.writer.data.append.page.size=1M', '',
      ].join('\n'));
    }
    const log = createWriteStream(join(this.dir, 'questdb.out'), { flags: 'a' });
    const child = spawn('java', [
      '-Xms128m', '-Xmx512m', '-XX:+UseParallelGC', '-ea', '-Dnoebug', '-Dcontainerized=false',
      '--add-exports', 'java.base/jdk.internal.math=io.questdb',
      '-p', QUESTDB_LIB, '-m', 'io.questdb/io.questdb.ServerMain', '-d', join(this.dir, 'root'),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const res = await fetch(`http://127.0.0.1:${this.httpPort}/exec?query=select%201`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const out = existsSync(join(this.dir, 'questdb.out')) ? readFileSync(join(this.dir, 'questdb.out'), 'utf8').slice(-3000) : '';
    await this.stop();
    throw new Error(`QuestDB did not start within ${timeoutMs} ms:\n${out}`);
  }

  /** SIGTERM and wait for the process to end (SIGKILL after 20 s). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
