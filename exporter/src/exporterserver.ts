import http from 'node:http';
import { listenOn } from './httplisten';
import type { ExporterMetrics } from './exportermetrics';
import { API_PREFIX, type LedgerApi } from './ledgerapi';
import type { ProfileApi } from './profile/profileapi';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, openMetricsToPrometheus, wantsOpenMetrics } from './metricsformat';

// The exporter's one HTTP listener (loopback unless configured otherwise):
//   GET /metrics      Prometheus exposition; OpenMetrics (with exemplars) when the Accept header asks
//   GET /healthz      200 "ok" while the process serves
//   GET /api/v1/...   the ledger API (ledgerapi.ts, openapi.yaml)
//   /api/v1/profiles  chaincode profiles: capture (POST, the app's route only) and read (profile/profileapi.ts)

export interface ExporterServer {
  /** host:port actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;

export async function startExporterServer(listen: string, metrics: ExporterMetrics, api: LedgerApi, profiles?: ProfileApi): Promise<ExporterServer> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?')[0];
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      metrics.registry.metrics().then(
        (text) => (wantsOpenMetrics(req.headers.accept) ? send(200, OPENMETRICS_CONTENT_TYPE, text) : send(200, PROMETHEUS_CONTENT_TYPE, openMetricsToPrometheus(text))),
        () => send(500, 'text/plain; charset=utf-8', 'metrics collection failed\n'),
      );
      return;
    }
    if (pathname === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
    if (profiles && (pathname === `${API_PREFIX}/profiles` || pathname?.startsWith(`${API_PREFIX}/profiles/`))) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on('end', () => {
        if (size > MAX_BODY_BYTES) return send(413, 'application/json; charset=utf-8', JSON.stringify({ error: `the request body is over ${MAX_BODY_BYTES} bytes` }));
        void profiles
          .handle({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
          .then(({ status, body }) => send(status, 'application/json; charset=utf-8', JSON.stringify(body)));
      });
      return;
    }
    if (pathname === API_PREFIX || pathname?.startsWith(API_PREFIX + '/')) {
      void api.handle(req.method ?? 'GET', url).then(({ status, body }) => send(status, 'application/json; charset=utf-8', JSON.stringify(body)));
      return;
    }
    send(404, 'application/json; charset=utf-8', JSON.stringify({ error: `not found; see /metrics, /healthz and ${API_PREFIX}/channels` }));
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return listenOn(server, listen);
}
