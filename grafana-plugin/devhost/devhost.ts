import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';

// The development host: a small HTTP server that stands in for Grafana around the built plugin.
// - serves the page (devhost/host.tsx, bundled with esbuild) for every app URL;
// - serves the built plugin (dist/) at /public/plugins/mictract-app/, as Grafana does;
// - proxies /api/plugin-proxy/mictract-app/api/* to the route URL `{{ .JsonData.apiUrl }}` (the saved
//   settings), and /api/datasources/proxy/uid/prometheus/* to Prometheus, answering 502 with Grafana's
//   `{"message": ...}` when the target is down, as Grafana's data proxy does;
// - forwards POST /api/plugin-proxy/mictract-app/profiles to `{{ .JsonData.apiUrl }}/profiles` with the
//   header X-Mictract-Profile-Token from the secure settings, as plugin.json's `profiles` route does;
// - answers the few Grafana APIs the configuration page calls (settings, data source health).
// It is a preview for development and the browser test, not Grafana.

export interface DevHostOptions {
  apiUrl: string;
  prometheusUrl: string;
  jaegerUrl: string;
  /** The app's secure setting profileToken (the exporter's profile token); without it captures are refused. */
  profileToken?: string;
  port?: number;
  /** The plugin folder (grafana-plugin/); default: found from the working directory. */
  pluginDir?: string;
}

export interface DevHost {
  url: string;
  close(): Promise<void>;
}

export const PLUGIN_ID = 'mictract-app';

export function findPluginDir(): string {
  const here = process.cwd();
  return existsSync(path.join(here, 'src/plugin.json')) ? here : path.join(here, 'grafana-plugin');
}

export async function buildHostPage(pluginDir: string): Promise<string> {
  const outdir = path.join(pluginDir, '.scripts-out/devhost');
  await build({
    entryPoints: [path.join(pluginDir, 'devhost/host.tsx')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    outdir,
    jsx: 'transform',
    loader: { '.svg': 'text', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.png': 'file' },
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    logLevel: 'error',
  });
  return outdir;
}

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>Mictract (development host)</title>
<link rel="stylesheet" href="/devhost/host.css">
<script>window.grafanaBootData = { settings: { buildInfo: { version: '12.4.10', edition: 'development host' }, featureToggles: {}, datasources: {} }, user: { theme: 'dark', lightTheme: false, orgRole: 'Admin' }, navTree: [] };</script></head><body><div id="root"></div><script src="/devhost/host.js"></script></body></html>`;

const TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.md': 'text/markdown',
};

function sendFile(res: http.ServerResponse, file: string) {
  if (!existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'not found' }));
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Forwards a GET to `target`, as Grafana's data proxy: the target's answer as is, or 502 with a message. */
function proxy(res: http.ServerResponse, target: string) {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    json(res, 500, { message: `plugin route url is not a URL: ${target}` });
    return;
  }
  const req = http.get(u, { headers: { accept: 'application/json' }, timeout: 15000 }, (up) => {
    res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/json' });
    up.pipe(res);
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err: NodeJS.ErrnoException) => {
    if (!res.headersSent) {
      json(res, 502, {
        message: `dial tcp ${u.host}: ${err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message}`,
      });
    }
  });
}

async function healthOf(url: string): Promise<{ status: string; message: string }> {
  try {
    const r = await fetch(url);
    return r.ok
      ? { status: 'OK', message: 'Data source is working' }
      : { status: 'ERROR', message: `HTTP ${r.status} from ${url}` };
  } catch (err) {
    return { status: 'ERROR', message: `cannot reach ${url}: ${(err as Error).message}` };
  }
}

export async function startDevHost(o: DevHostOptions): Promise<DevHost> {
  const pluginDir = o.pluginDir ?? findPluginDir();
  const dist = path.join(pluginDir, 'dist');
  if (!existsSync(path.join(dist, 'module.js'))) {
    throw new Error(`${dist}/module.js is missing: build the plugin first (npm run build in grafana-plugin/)`);
  }
  const hostDir = await buildHostPage(pluginDir);
  const jsonData: Record<string, unknown> = { apiUrl: o.apiUrl, prometheusUid: 'prometheus', tracesUid: 'jaeger' };
  const datasources = [
    { uid: 'prometheus', type: 'prometheus', name: 'Prometheus' },
    { uid: 'jaeger', type: 'jaeger', name: 'Jaeger' },
  ];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://devhost');
    const p = url.pathname;
    const apiPrefix = `/api/plugin-proxy/${PLUGIN_ID}/api`;
    if (p === '/devhost/config.json') {
      return json(res, 200, { jsonData, datasources });
    }
    if (p.startsWith('/devhost/')) {
      return sendFile(res, path.join(hostDir, path.basename(p)));
    }
    if (p.startsWith(`/public/plugins/${PLUGIN_ID}/`)) {
      const rel = path.normalize(p.slice(`/public/plugins/${PLUGIN_ID}/`.length)).replace(/^(\.\.[/\\])+/, '');
      return sendFile(res, path.join(dist, rel));
    }
    if (p === `/api/plugin-proxy/${PLUGIN_ID}/profiles` && req.method === 'POST') {
      const base = String(jsonData.apiUrl ?? '').replace(/\/$/, '');
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        fetch(`${base}/profiles`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mictract-profile-token': o.profileToken ?? '' },
          body,
        }).then(
          async (up) => res.writeHead(up.status, { 'content-type': 'application/json' }).end(await up.text()),
          (err: Error) => json(res, 502, { message: `dial ${base}: ${err.message}` })
        );
      });
      return;
    }
    if (p === apiPrefix || p.startsWith(`${apiPrefix}/`)) {
      const base = String(jsonData.apiUrl ?? '').replace(/\/$/, '');
      if (!base) {
        return json(res, 500, { message: 'plugin route url is empty: set the ledger API URL' });
      }
      return proxy(res, `${base}${p.slice(apiPrefix.length)}${url.search}`);
    }
    if (p.startsWith('/api/datasources/proxy/uid/prometheus/')) {
      return proxy(res, `${o.prometheusUrl}/${p.slice('/api/datasources/proxy/uid/prometheus/'.length)}${url.search}`);
    }
    if (p === '/api/datasources/uid/prometheus/health') {
      return void healthOf(`${o.prometheusUrl}/-/ready`).then((h) => json(res, 200, h));
    }
    if (p === '/api/datasources/uid/jaeger/health') {
      return void healthOf(`${o.jaegerUrl}/api/services`).then((h) => json(res, 200, h));
    }
    if (p === `/api/plugins/${PLUGIN_ID}/settings` && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const data = JSON.parse(body || '{}') as { jsonData?: Record<string, unknown> };
        Object.assign(jsonData, data.jsonData ?? {});
        json(res, 200, { message: 'Plugin settings updated' });
      });
      return;
    }
    if (p.startsWith('/api/')) {
      return json(res, 404, { message: `the development host does not serve ${p}` });
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(INDEX);
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
