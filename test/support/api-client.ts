// Talking to the real runtime's API in tests: one request helper, the API error-shape check, and a
// bounded wait for something the runtime does asynchronously.
import assert from 'node:assert/strict';

export type Answer = { status: number; headers: Headers; body: any; text: string };

/** `call(method, path, bearer, body?, headers?)` against the runtime whose URL `baseUrl()` returns. */
export function apiCaller(baseUrl: () => string) {
  return async function call(method: string, path: string, auth: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (auth) h.authorization = `Bearer ${auth}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl()}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* CSV, HTML */
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
}

/** The API's error contract: the expected status, `{error: {code, message}}`, never a stack trace. */
export function assertError(a: Answer, status: number, code?: string): void {
  assert.equal(a.status, status, `expected ${status}, got ${a.status}: ${a.text.slice(0, 400)}`);
  assert.equal(typeof a.body?.error?.code, 'string', `error body: ${a.text.slice(0, 300)}`);
  assert.equal(typeof a.body.error.message, 'string');
  assert.doesNotMatch(a.text, /\n\s+at /, 'no stack trace');
  if (code) assert.equal(a.body.error.code, code, a.text.slice(0, 300));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 250 ms until it returns something truthy, or fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(250)) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}
