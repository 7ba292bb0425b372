// Operator app benchmark: first view cold (fresh browser profile, logged in by cookie, until the portal's
// widgets show data) and the map with 10,000 devices (imported through the API, disabled so nothing polls
// them): time to first pins, time of one re-cluster, time of a pan. Run from the project root:
//   node dashboards/bench/operator-app-bench.ts       (after npm run build; needs /usr/bin/chromium)
import { startRuntime, tempDataDir, login } from '../../test/support/runtime-process.ts';
import { launchBrowser } from '../../test/support/browser.ts';

const PASSWORD = 'bench-password-123';
const RUNS = 3;
const rt = await startRuntime({ HEATGRID_DATA_DIR: tempDataDir('heatgrid-app-bench-'), HEATGRID_DEMO_DEVICES: '5', HEATGRID_ADMIN_PASSWORD: PASSWORD });
const host = new URL(rt.url);
try {
  const token = await login(rt.url, 'admin', PASSWORD);
  const cookie = { name: 'heatgrid_session', value: token, domain: host.hostname, path: '/', httpOnly: true, sameSite: 'Strict' as const };

  const firstView: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const b = await launchBrowser();
    await b.context.addCookies([cookie]);
    const page = await b.context.newPage();
    const t0 = Date.now();
    await page.goto(`${rt.url}/`);
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=widget-power] .big')?.textContent ?? '') && document.querySelector('[data-test=map]')?.getAttribute('data-pins') !== null);
    firstView.push(Date.now() - t0);
    await b.close();
  }

  // 10,000 devices around Aarhus through the CSV import (disabled: registered, not polled).
  const rows = ['id,name,model,host,port,unit_id,address,lat,lon,tags,enabled'];
  for (let i = 0; i < 10_000; i++) rows.push(`b${i},Bench ${i},ecl-comfort-310,10.9.${i >> 8}.${i & 255},502,1,Bench street ${i},${(56.05 + ((i * 7919) % 1000) / 4000).toFixed(5)},${(10.0 + ((i * 104729) % 1000) / 2500).toFixed(5)},bench,false`);
  const imported = await fetch(`${rt.url}/api/v1/devices/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: rows.join('\n') });
  if (!imported.ok) throw new Error(`import: ${imported.status} ${await imported.text()}`);

  const mapFirst: number[] = [];
  const pans: number[] = [];
  const draws: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const b = await launchBrowser();
    await b.context.addCookies([cookie]);
    const page = await b.context.newPage();
    const t0 = Date.now();
    await page.goto(`${rt.url}/map`);
    await page.waitForFunction(() => Number(document.querySelector('[data-test=map]')?.getAttribute('data-pins')) >= 10_000, null, { timeout: 60_000 });
    mapFirst.push(Date.now() - t0);
    draws.push(Number(await page.locator('[data-test=map]').getAttribute('data-draw-ms')));
    const box = (await page.locator('[data-test=map]').boundingBox())!;
    for (let k = 0; k < 3; k++) {
      const before = await page.evaluate(() => performance.now());
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 80, { steps: 8 });
      await page.mouse.up();
      await page.waitForFunction((since) => performance.now() > since, before);
      const ms = await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
      pans.push(ms - before);
      draws.push(Number(await page.locator('[data-test=map]').getAttribute('data-draw-ms')));
    }
    // Zoom in two steps: more single pins on screen.
    await page.mouse.wheel(0, -600);
    await page.waitForTimeout(600);
    draws.push(Number(await page.locator('[data-test=map]').getAttribute('data-draw-ms')));
    await b.close();
  }
  const fmt = (xs: number[]) => `min ${Math.min(...xs).toFixed(0)} ms, median ${xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
  console.log(`first view cold (portal with data, 5 devices): ${fmt(firstView)}`);
  console.log(`map, 10,005 devices: first pins ${fmt(mapFirst)}`);
  console.log(`map re-cluster + draw per move: ${fmt(draws)}`);
  console.log(`pan (drag 200 px incl. re-cluster, to next frame): ${fmt(pans)}`);
} finally {
  await rt.stop();
}
declare const document: { querySelector(s: string): { textContent: string | null; getAttribute(n: string): string | null } | null };
declare function requestAnimationFrame(cb: () => void): number;
