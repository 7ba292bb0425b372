// Starts the real Heatgrid runtime (dist/runtime/server.js on the project's Node 24) as a child process,
// as `npm start` would, and stops it with SIGTERM. Tests talk to it over real HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/paths.ts';

export interface RuntimeProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

export function tempDataDir(prefix = 'heatgrid-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startRuntime(env: Record<string, string> = {}, { timeoutMs = 60_000 } = {}): Promise<RuntimeProcess> {
  const dataDir = env.HEATGRID_DATA_DIR ?? tempDataDir();
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(projectRoot, 'dist/runtime/server.js')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a runtime that never came up must not outlive the test run
      reject(new Error(`runtime did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const match = /Heatgrid listening on (https?:\/\/[^\s]+)/.exec(output);
      if (match && /Started flows/.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited with ${code} before it started:\n${output}`));
    });
  });

  return {
    url,
    dataDir,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Logs in through /auth/login and returns the session token (usable as a bearer token). */
export async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Node-RED's own editor login: OAuth password grant against /admin/auth/token. */
export async function editorToken(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/admin/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username, password }),
  });
}
