import http from 'node:http';
import { listenOn } from '../httplisten';
import type { SidecarMetrics } from './sidecarmetrics';

// GET /metrics on its own port. A port nobody scrapes costs nothing: prom-client keeps only counters
// and bucket totals (and one exemplar per bucket), whatever the traffic.

export interface MetricsServer {
  /** host:port actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startMetricsServer(listen: string, metrics: SidecarMetrics): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  return listenOn(server, listen);
}
