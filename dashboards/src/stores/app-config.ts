// Server-side settings of the app (map tiles), from /app-config.json (runtime/http/operator-app.ts).
export interface AppConfig {
  tileUrl: string | null;
  tileAttribution: string | null;
}
let pending: Promise<AppConfig> | null = null;
export function appConfig(): Promise<AppConfig> {
  return (pending ??= fetch('/app-config.json', { credentials: 'same-origin' })
    .then((r) => (r.ok ? (r.json() as Promise<AppConfig>) : { tileUrl: null, tileAttribution: null }))
    .catch(() => ({ tileUrl: null, tileAttribution: null })));
}
