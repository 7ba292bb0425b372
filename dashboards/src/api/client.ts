// The app's only way to the server: same-origin fetch with the session cookie. A 401 anywhere means the
// session ended: the session store sends the user to the login page (with a note) and keeps the target.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown[];
  constructor(status: number, code: string, message: string, details: unknown[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /** The operation is not offered by this server (yet): screens show a hint instead of failing. */
  get missing(): boolean {
    return this.status === 404 && (this.code === 'not_found' || this.code === 'http_404');
  }
}

let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; text?: string; contentType?: string; accept?: string; quiet401?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method,
      credentials: 'same-origin',
      headers: { Accept: opts.accept ?? 'application/json', ...(opts.text !== undefined ? { 'Content-Type': opts.contentType ?? 'text/plain' } : opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: opts.text !== undefined ? opts.text : opts.body !== undefined ? JSON.stringify(opts.body) : null,
    });
  } catch (err) {
    throw new ApiError(0, 'network', (err as Error).message);
  }
  if (res.status === 401 && !opts.quiet401) onUnauthorized?.();
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText;
    let details: unknown[] = [];
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown[] } };
      if (body.error) ({ code = code, message = message, details = [] } = body.error as { code: string; message: string; details: unknown[] });
    } catch {
      // not JSON (e.g. an HTML 404 from an unknown route)
    }
    throw new ApiError(res.status, code, message, details);
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, query ? { query } : {}),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body: body ?? {} }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body: body ?? {} }),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** An operation the server may not offer yet: null on a 404 for the route itself (not for a missing thing). */
export async function optional<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ApiError && err.missing) return null;
    throw err;
  }
}

/** Field problems of a 400/422 answer as {field: message} (for forms that show errors per field). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const d of err.details as { field?: string; message?: string }[]) {
      if (d && typeof d.field === 'string') {
        const key = d.field.replace(/^\//, '').replace(/\//g, '.').replace(/^body\./, '');
        out[key] = out[key] ? `${out[key]}; ${d.message ?? ''}` : (d.message ?? '');
      }
    }
  }
  return out;
}
