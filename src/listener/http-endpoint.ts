/** The listener's HTTP endpoint: `/metrics` (Prometheus) and `/healthz`. Off unless an address is set. */
import { type Server, createServer } from 'node:http';
import { systemError } from '../log/system-error';
import { formatAddress, parseListenAddress } from '../settings/address';
import { type Snapshot, processSample, prometheusText } from './metrics';

export interface Health {
  ok: boolean;
  detail: Record<string, unknown>;
}

export async function startMetricsServer(
  address: string,
  snapshot: () => Snapshot,
  health: () => Health,
): Promise<{ server: Server; port: number }> {
  const { host, port } = parseListenAddress(address);
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(prometheusText(snapshot(), processSample()));
    } else if (url === '/healthz') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  // The endpoint must never hold the process up or pile up slow clients.
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.maxConnections = 64;
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(systemError('cannot listen for metrics on', formatAddress({ host, port }), err));
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const bound = server.address();
  return { server, port: typeof bound === 'object' && bound ? bound.port : port };
}
