// Everything the QuestDB backend needs comes from QUESTDB_URL:
//   http://[user:password@]host:9000/?pg_port=8812&pg_user=admin&pg_password=quest
// user:password (HTTP basic, OSS) are used for ILP and REST; the PGWire port and login default to
// QuestDB's own defaults (8812, admin/quest).
export interface QuestDbEndpoints {
  /** Base for REST (/exec, /ping), no trailing slash. */
  httpBase: string;
  /** @questdb/nodejs-client configuration string (ILP over HTTP). */
  ilpConfig: string;
  authHeader: string | null;
  pg: { host: string; port: number; user: string; password: string; database: string };
}

export function questdbEndpoints(url: URL): QuestDbEndpoints {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '9000');
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = user ? `username=${user};password=${password};` : '';
  // protocol_version=2 avoids the /settings round trip, so the Sender can be built while QuestDB is down;
  // auto_flush=off because we decide batch boundaries (our copy is kept until QuestDB acknowledged it);
  // a short retry_timeout hands an outage to store-and-forward within seconds; stdlib_http=on because the
  // default Undici transport of 4.2.0 never settled flush() once the server was gone (measured here).
  const ilpConfig = `${url.protocol === 'https:' ? 'https' : 'http'}::addr=${addr};${auth}protocol_version=2;auto_flush=off;stdlib_http=on;retry_timeout=2000;request_timeout=15000;`;
  const pgPort = Number(url.searchParams.get('pg_port') ?? 8812);
  if (!Number.isInteger(pgPort) || pgPort <= 0 || pgPort > 65535) throw new Error(`QUESTDB_URL: pg_port must be a port number`);
  return {
    httpBase: `${url.protocol}//${addr}`,
    ilpConfig,
    authHeader: user ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : null,
    pg: {
      host,
      port: pgPort,
      user: url.searchParams.get('pg_user') ?? 'admin',
      password: url.searchParams.get('pg_password') ?? 'quest',
      database: 'qdb',
    },
  };
}
