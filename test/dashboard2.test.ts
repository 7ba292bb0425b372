// Dashboard 2.0 at /dashboard behind Heatgrid's sessions (runtime/http/dashboard-auth.ts, docs/dashboard2.md),
// against the real runtime with the example page (flows/60-dashboard-example.json) and 3 demo devices:
// HTTP and the socket.io handshake refused without a session; a viewer's widget action dropped on the
// server; and in Chromium the example page renders our diagram and KPI widgets with live values and the
// fleet map with one pin per demo device.
import assert from 'node:assert/strict';
import { startRuntime, tempDataDir, login, type RuntimeProcess } from './support/runtime-process.ts';
import { chromiumAvailable, launchBrowser, type TestBrowser } from './support/browser.ts';
import { ConfigStore } from '../runtime/store/config-store.ts';
import { UserService } from '../runtime/auth/users.ts';
import { mayEmit } from '../runtime/http/dashboard-auth.ts';
import { KpiState } from '../nodes/ui-hg-kpi/ui-hg-kpi.ts';

const PASSWORD = 'dashboard-test-password';

interface DomLike { textContent: string | null; getAttribute(name: string): string | null }
declare const document: { querySelector(s: string): DomLike | null };

/** One socket.io client over HTTP long-polling (engine.io v4): open, connect to "/", read the answer. */
async function socketConnect(url: string, cookie?: string): Promise<{ answer: string; send(packet: string): Promise<void> }> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const base = `${url}/dashboard/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base, { headers })).text();
  assert.match(open, /^0\{/);
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  const at = `${base}&sid=${sid}`;
  const post = async (body: string) => {
    const r = await fetch(at, { method: 'POST', body, headers });
    assert.equal(r.status, 200);
    await r.text();
  };
  await post('40');
  const answer = await (await fetch(at, { headers })).text();
  return { answer, send: post };
}

describe('Dashboard 2.0 at /dashboard (real runtime)', function () {
  this.timeout(60_000);
  let rt: RuntimeProcess | null = null;
  let admin = '';
  let viewer = '';

  before(async function () {
    const dataDir = tempDataDir('heatgrid-d2-');
    const store = new ConfigStore(dataDir);
    const users = new UserService(store);
    await users.add('admin', PASSWORD, 'admin');
    await users.add('vera', PASSWORD, 'viewer');
    store.close();
    rt = await startRuntime({ HEATGRID_DATA_DIR: dataDir, HEATGRID_DEMO_DEVICES: '3', HEATGRID_ADMIN_PASSWORD: PASSWORD });
    [admin, viewer] = await Promise.all([login(rt.url, 'admin', PASSWORD), login(rt.url, 'vera', PASSWORD)]);
  });

  after(async function () {
    await rt?.stop();
  });

  it('refuses HTTP without a session: pages redirect to the login page, setup and widget bundles answer 401', async function () {
    const page = await fetch(`${rt!.url}/dashboard/substation`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/login?next=%2Fdashboard%2Fsubstation');
    assert.equal((await fetch(`${rt!.url}/dashboard/_setup`)).status, 401);
    assert.equal((await fetch(`${rt!.url}/dashboard/_debug/datastore/hg.d2.kpi.power`)).status, 401);
    assert.equal((await fetch(`${rt!.url}/admin/resources/@heatgrid/heatgrid/ui-hg-kpi.umd.js`)).status, 401);
    const cookie = `heatgrid_session=${admin}`;
    assert.equal((await fetch(`${rt!.url}/dashboard/substation`, { headers: { cookie, accept: 'text/html' } })).status, 200);
    assert.equal((await fetch(`${rt!.url}/admin/resources/@heatgrid/heatgrid/ui-hg-diagram.umd.js`, { headers: { cookie } })).status, 200);
    assert.equal((await fetch(`${rt!.url}/admin/resources/@heatgrid/heatgrid/ui-hg-map.umd.js`, { headers: { cookie } })).status, 200);
  });

  it('refuses the socket.io handshake without a session (or with a forged cookie), accepts it with one', async function () {
    assert.match((await socketConnect(rt!.url)).answer, /^44\{"message":"unauthenticated"\}/);
    assert.match((await socketConnect(rt!.url, 'heatgrid_session=forged')).answer, /^44\{"message":"unauthenticated"\}/);
    const ok = await socketConnect(rt!.url, `heatgrid_session=${admin}`);
    assert.match(ok.answer, /^40\{"sid":/);
    assert.match(ok.answer, /"ui-config"/);
  });

  it("drops a viewer's widget action on the server; reading is allowed", async function () {
    const s = await socketConnect(rt!.url, `heatgrid_session=${viewer}`);
    assert.match(s.answer, /^40\{"sid":/);
    await s.send('42["widget-action","hg.d2.kpi.power",{"payload":1}]');
    const deadline = Date.now() + 5000;
    while (!/forbidden: role viewer may not send widget-action/.test(rt!.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(rt!.output(), /dashboard: vera: forbidden: role viewer may not send widget-action/);
    assert.equal(mayEmit('viewer', 'widget-load'), true);
    assert.equal(mayEmit('viewer', 'widget-change'), false);
    assert.equal(mayEmit('viewer', 'my-custom-event'), false);
    assert.equal(mayEmit('operator', 'widget-action'), true);
  });

  it('KPI tile state: sums the latest value per device heard from in the last 15 minutes', function () {
    let now = 1_000_000_000;
    const k = new KpiState('heat_power_kw', 'sum', () => now);
    assert.equal(k.take({ device: { id: 'a' }, ts: now, readings: { heat_power_kw: 10 } }), true);
    k.take({ device: { id: 'b' }, ts: now, readings: { heat_power_kw: 5.5 } });
    k.take({ device: { id: 'a' }, ts: now, readings: { heat_power_kw: 12 } });
    assert.deepEqual(k.figure(), { value: 17.5, devices: 2 });
    now += 16 * 60_000;
    k.take({ device: { id: 'b' }, ts: now, readings: { heat_power_kw: 4 } });
    assert.deepEqual(k.figure(), { value: 4, devices: 1 });
    assert.equal(k.take(42), false);
  });

  describe('in Chromium', function () {
    let browser: TestBrowser | null = null;

    before(async function () {
      if (!chromiumAvailable()) return this.skip();
      browser = await launchBrowser();
    });

    after(async function () {
      await browser?.close();
    });

    it('sends a browser without a session to the login page, then renders the example page with live values', async function () {
      const page = await browser!.context.newPage();
      page.setDefaultTimeout(20_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${rt!.url}/dashboard/substation`);
      await page.waitForURL(/\/login\?next=%2Fdashboard%2Fsubstation$/);
      // Logging in through the operator app's form hands over to the dashboard page that was asked for.
      await page.fill('#username', 'admin');
      await page.fill('#password', PASSWORD);
      const started = Date.now();
      await page.click('button[type=submit]');
      await page.waitForURL(/\/dashboard\/substation$/);
      await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=hg-kpi-value]')?.textContent ?? ''));
      const kpiMs = Date.now() - started;
      await page.waitForFunction(() => Boolean(document.querySelector('[data-test=hg-diagram-widget]')?.getAttribute('data-device')));
      await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=hg-diagram-widget] [data-slot=desiredSupply]')?.textContent ?? ''));
      const firstViewMs = Date.now() - started;
      console.log(`      first view of /dashboard/substation: KPI value after ${kpiMs} ms, diagram with values after ${firstViewMs} ms`);
      // Live: the diagram's timestamp moves on with the next poll (10 s cadence).
      const first = await page.locator('[data-test=hg-diagram-widget] .hg-caption').textContent();
      await page.waitForFunction((before) => document.querySelector('[data-test=hg-diagram-widget] .hg-caption')?.textContent !== before, first, { timeout: 15_000 });
      assert.deepEqual(errors, []);
      await page.close();
    });

    it('shows the fleet map on the example page with one pin per demo device', async function () {
      const page = await browser!.context.newPage(); // logged in by the test above (same context)
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${rt!.url}/dashboard/substation`);
      // The node's pins (server side) reach the widget, and StationMap draws them on its Leaflet canvas.
      await page.waitForFunction(() => document.querySelector('[data-test=hg-map-widget]')?.getAttribute('data-pins') === '3');
      await page.waitForFunction(() => document.querySelector('[data-test=hg-map-widget] [data-test=map]')?.getAttribute('data-pins') === '3');
      const rendered = Number(await page.locator('[data-test=hg-map-widget] [data-test=map]').getAttribute('data-rendered'));
      assert.ok(rendered >= 1 && rendered <= 3, `rendered ${rendered} pins/clusters`);
      assert.equal(await page.locator('[data-test=hg-map-widget] .leaflet-container').count(), 1);
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
});
