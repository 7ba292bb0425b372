// The runtime foundation as a user meets it: start, log in, deploy a flow, restart, stop.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorToken, login, startRuntime, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';
import { projectRoot } from '../runtime/paths.ts';

const ADMIN_PASSWORD = 'correct-horse-battery-staple';

describe('runtime foundation', function () {
  this.timeout(120_000);
  let runtime: RuntimeProcess | null = null;
  afterEach(async () => {
    await runtime?.stop();
    runtime = null;
  });

  it('generates the first admin password, prints it once, and it works for the editor and the API', async () => {
    const dataDir = tempDataDir();
    runtime = await startRuntime({ HEATGRID_DATA_DIR: dataDir });
    const match = /password: (\S+)/.exec(runtime.output());
    assert.ok(match, `no generated password in the output:\n${runtime.output()}`);
    const password = match[1]!;
    assert.ok(password.length >= 20);
    assert.equal(runtime.output().split(password).length - 1, 1, 'the password must appear exactly once');

    const res = await editorToken(runtime.url, 'admin', password);
    assert.equal(res.status, 200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    const flows = await fetch(`${runtime.url}/admin/flows`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(flows.status, 200);

    // A restart neither prints nor changes the password; the same login still works.
    assert.equal(await runtime.stop(), 0, 'SIGTERM must end the runtime with exit code 0');
    runtime = await startRuntime({ HEATGRID_DATA_DIR: dataDir });
    assert.ok(!runtime.output().includes(password), 'password printed again on restart');
    assert.ok(!/password: /.test(runtime.output()));
    await login(runtime.url, 'admin', password);

    // Only hashes are stored: the clear password is nowhere in the data directory.
    const db = readFileSync(join(dataDir, 'heatgrid.db'));
    assert.ok(!db.includes(Buffer.from(password)), 'clear password found in the config store');
    assert.equal(statSync(join(dataDir, 'credential-secret')).mode & 0o777, 0o600);
  });

  it('refuses anonymous requests to the editor API, the API and the dashboard, and answers /healthz', async () => {
    runtime = await startRuntime({ HEATGRID_ADMIN_PASSWORD: ADMIN_PASSWORD });
    assert.equal((await fetch(`${runtime.url}/admin/flows`)).status, 401);
    const api = await fetch(`${runtime.url}/api/v1/devices`);
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    assert.equal((await fetch(`${runtime.url}/dashboard`)).status, 401);
    assert.equal((await editorToken(runtime.url, 'admin', 'wrong-password-123')).status, 403, 'Node-RED answers a failed password grant with 403');

    const health = await fetch(`${runtime.url}/healthz`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; sections: { runtime: { flowsStarted: boolean } } };
    assert.equal(body.status, 'ok');
    assert.equal(body.sections.runtime.flowsStarted, true);
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(health.headers.get('x-powered-by'), null);
  });

  it('serves an http-in flow deployed through the editor API, and keeps it across a restart', async () => {
    const dataDir = tempDataDir();
    runtime = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const token = await login(runtime.url, 'admin', ADMIN_PASSWORD);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const current = (await (await fetch(`${runtime.url}/admin/flows`, { headers: { ...auth, 'node-red-api-version': 'v2' } })).json()) as { flows: unknown[]; rev: string };
    const flow = [
      ...current.flows,
      { id: 't1', type: 'tab', label: 'test' },
      { id: 'in1', z: 't1', type: 'http in', url: '/hello-substation', method: 'get', wires: [['fn1']] },
      { id: 'fn1', z: 't1', type: 'change', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"supply_temp_c":72.5}', tot: 'json' }], wires: [['out1']] },
      { id: 'out1', z: 't1', type: 'http response', statusCode: '', wires: [] },
    ];
    const deploy = await fetch(`${runtime.url}/admin/flows`, { method: 'POST', headers: { ...auth, 'node-red-api-version': 'v2', 'node-red-deployment-type': 'full' }, body: JSON.stringify({ flows: flow, rev: current.rev }) });
    assert.equal(deploy.status, 200, await deploy.text());
    // The deploy answers before the new flows have started: wait for the route (bounded).
    let hello = await fetch(`${runtime.url}/hello-substation`);
    for (let i = 0; i < 50 && hello.status === 404; i++) {
      await new Promise((r) => setTimeout(r, 100));
      hello = await fetch(`${runtime.url}/hello-substation`);
    }
    assert.equal(hello.status, 200);
    assert.deepEqual(await hello.json(), { supply_temp_c: 72.5 });

    await runtime.stop();
    runtime = await startRuntime({ HEATGRID_DATA_DIR: dataDir });
    assert.equal((await fetch(`${runtime.url}/hello-substation`)).status, 200, 'the deployed flow did not survive a restart');
    await login(runtime.url, 'admin', ADMIN_PASSWORD);
  });

  it('limits password guessing on the login endpoints', async () => {
    runtime = await startRuntime({ HEATGRID_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await fetch(`${runtime.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: `guess-number-${i}` }) });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
    // Locked out even with the right password until the window passes.
    const right = await fetch(`${runtime.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    assert.equal(right.status, 429);
    assert.ok(Number(right.headers.get('retry-after')) > 0);
  });

  it('adds users from the CLI; an operator may use the API but not the flow editor', async () => {
    const dataDir = tempDataDir();
    const cli = (args: string[], input?: string) =>
      spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', join(projectRoot, 'dist/runtime/cli/main.js'), ...args], {
        env: { PATH: process.env.PATH ?? '', HEATGRID_DATA_DIR: dataDir, HEATGRID_ADMIN_PASSWORD: ADMIN_PASSWORD },
        input,
        encoding: 'utf8',
        timeout: 30_000,
      });
    runtime = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const add = cli(['user', 'add', 'olga', '--role', 'operator', '--password-stdin'], 'operator-password-1\n');
    assert.equal(add.status, 0, add.stderr);
    assert.match(cli(['user', 'list']).stdout, /olga\s+operator/);
    assert.match(cli(['user', '--help']).stdout, /user add <name> --role <role>/);
    assert.equal(cli(['user', 'add', 'weak', '--password-stdin'], 'short\n').status, 1);

    assert.equal((await editorToken(runtime.url, 'olga', 'operator-password-1')).status, 403);
    const token = await login(runtime.url, 'olga', 'operator-password-1');
    assert.equal((await fetch(`${runtime.url}/admin/flows`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    const me = await fetch(`${runtime.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(((await me.json()) as { user: unknown }).user, { username: 'olga', role: 'operator', language: 'en' });

    // A new password from the CLI ends the running session at once.
    assert.equal(cli(['user', 'passwd', 'olga', '--password-stdin'], 'another-password-2\n').status, 0);
    assert.equal((await fetch(`${runtime.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  for (const [variable, value, expected] of [
    ['PORT', 'eighty', /PORT: expected a whole number/],
    ['QUESTDB_URL', 'not a url', /QUESTDB_URL: not a valid URL/],
    ['HEATGRID_DEMO_DEVICES', '-5', /HEATGRID_DEMO_DEVICES: expected a whole number/],
    ['HEATGRID_ADMIN_PASSWORD', 'short', /HEATGRID_ADMIN_PASSWORD: must be at least 12 characters/],
    ['HEATGRID_TIME_ZONE', 'Mars/Olympus', /HEATGRID_TIME_ZONE: unknown IANA time zone/],
  ] as const) {
    it(`stops start-up with a message naming ${variable} when it is invalid`, () => {
      const result = spawnSync(process.execPath, [join(projectRoot, 'dist/runtime/server.js')], {
        env: { PATH: process.env.PATH ?? '', HEATGRID_DATA_DIR: tempDataDir(), [variable]: value },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(result.status, 2);
      assert.match(result.stderr, expected);
    });
  }
});
