// HTTPS: with a certificate and key configured, the runtime serves TLS, sends HSTS, and marks its
// session cookie Secure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { startRuntime, tempDataDir, type RuntimeProcess } from './support/runtime-process.ts';

function httpsRequest(url: string, method: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    // The certificate is self-signed for this test only.
    const req = request(url, { method, rejectUnauthorized: false, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTPS', function () {
  this.timeout(90_000);
  let runtime: RuntimeProcess | null = null;
  after(async () => {
    await runtime?.stop();
  });

  it('serves TLS with HSTS and a Secure session cookie', async () => {
    const dir = tempDataDir('heatgrid-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    runtime = await startRuntime({ HEATGRID_TLS_CERT: cert, HEATGRID_TLS_KEY: key, HEATGRID_ADMIN_PASSWORD: 'correct-horse-battery-staple' });
    assert.match(runtime.url, /^https:\/\//);
    const health = await httpsRequest(`${runtime.url}/healthz`, 'GET');
    assert.equal(health.status, 200);
    assert.match(String(health.headers['strict-transport-security']), /max-age=\d+/);
    const login = await httpsRequest(`${runtime.url}/auth/login`, 'POST', JSON.stringify({ username: 'admin', password: 'correct-horse-battery-staple' }));
    assert.equal(login.status, 200);
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('heatgrid_session='));
    assert.ok(cookie, 'session cookie set');
    assert.match(cookie, /;\s*Secure/i);
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=Strict/i);
  });
});
