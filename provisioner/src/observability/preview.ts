import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Endpoint, Network } from '../networkspec/network';
import { type StackDirs, profileTokenFile, stackDir } from './stackdirs';

// The Grafana app's pages for someone without a Grafana at hand: the plugin's development host
// (grafana-plugin/devhost, what the plugin's browser test renders through) on the demo network, on
// 127.0.0.1 and labelled as a preview. Best effort: the demo runs on without it.

const PLUGIN_DIR = path.resolve(__dirname, '../../../grafana-plugin');
/** The preview's port: the observability region's first free slot (PORT_LAYOUT: exporter, Prometheus, Jaeger ×4). */
export const PREVIEW_PORT_OFFSET = 6;

export interface Preview {
  readonly url: string;
  stop(): void;
}

const url = (e: Endpoint) => `http://${e.host}:${e.port}`;

export async function startPreview(network: Network, dirs: StackDirs, timeoutMs = 60_000): Promise<Preview> {
  const obs = network.observability;
  if (!obs) throw new Error('the spec has observability: false, so there is no exporter or Prometheus to preview');
  if (!existsSync(path.join(PLUGIN_DIR, 'dist', 'module.js'))) throw new Error('the Grafana app is not built: run `npm run build -w grafana-plugin`');
  // the dev host proxies the capture route with the token, as Grafana's data proxy would: 0600, like the token's own file
  const file = path.join(stackDir(dirs), 'preview.json');
  const info = {
    apiUrl: `${url(obs.exporter.listen)}/api/v1`,
    prometheusUrl: url(obs.prometheus),
    jaegerUrl: url(obs.jaeger.query),
    profileToken: (await readFile(profileTokenFile(dirs), 'utf8').catch(() => '')).trim(),
  };
  await writeFile(file, JSON.stringify(info), { mode: 0o600 });
  const port = obs.exporter.listen.port + PREVIEW_PORT_OFFSET;
  // its own process group: run.mjs bundles main.ts and runs it as a child, and stop() ends both
  const child = spawn(process.execPath, [path.join(PLUGIN_DIR, 'scripts', 'run.mjs'), 'devhost/main.ts', file, String(port)], { cwd: PLUGIN_DIR, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Promise<Preview>((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      stop(child);
      reject(new Error(`${why}${out.trim() ? `:\n${out.trim().split('\n').slice(-5).join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`the development host did not start within ${timeoutMs / 1000} s`), timeoutMs);
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /development host[^:]*: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop: () => stop(child) });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => fail(`the development host exited (${code ?? 'signal'})`));
  });
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // already gone
  }
}
