import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestNetwork, type TestNetwork } from '@mictract/provisioner';
import { type Preview, startPreview } from '@mictract/provisioner/dist/observability/preview';

// `mictract demo --preview` (what `./dev demo` runs): the Grafana app's pages served by the plugin's
// development host beside the demo network, its ledger API route and Prometheus data source proxied to
// the network's own exporter and Prometheus, and gone when the demo stops.

jest.setTimeout(300_000);

const PLUGIN_DIR = path.resolve(__dirname, '../../grafana-plugin');

let net: TestNetwork;
let preview: Preview | undefined;

beforeAll(async () => {
  // the built plugin, one build at a time across jest workers (as the plugin's own browser test)
  execFileSync('flock', [path.join(os.tmpdir(), 'mictract-plugin-build.lock'), process.execPath, path.join(PLUGIN_DIR, 'scripts/ensure-built.mjs')], { stdio: 'inherit' });
  net = await startTestNetwork({ name: 'preview', orgs: 1, observability: true });
}, 300_000);

afterAll(async () => {
  preview?.stop();
  await net?.destroy();
});

it("serves the app's pages and proxies its routes to the network's exporter and Prometheus, on 127.0.0.1, until stopped", async () => {
  preview = await startPreview(net.network, net.dirs);
  const base = new URL(preview.url);
  expect(base.hostname).toBe('127.0.0.1');
  expect(base.pathname).toBe('/a/mictract-app/channels');
  expect(Number(base.port)).toBe(net.network.observability!.exporter.listen.port + 6);

  const page = await fetch(preview.url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Mictract (development host)</title>');
  // the ledger API through the app's route, as Grafana's data proxy serves it
  const channels = (await (await fetch(`${base.origin}/api/plugin-proxy/mictract-app/api/channels`)).json()) as { channels: { name: string; height: number }[] };
  expect(channels.channels.map((c) => c.name)).toEqual([net.network.channel]);
  // Prometheus through the data source proxy: the exporter is among its targets
  const up = (await (await fetch(`${base.origin}/api/datasources/proxy/uid/prometheus/api/v1/query?query=${encodeURIComponent('up{job="mictract-exporter"}')}`)).json()) as { status: string };
  expect(up.status).toBe('success');

  preview.stop();
  preview = undefined;
  await expect(
    (async () => {
      for (let i = 0; i < 100; i++) {
        const alive = await fetch(base.origin).then(() => true, () => false);
        if (!alive) return 'closed';
        await new Promise((r) => setTimeout(r, 100));
      }
      return 'still serving';
    })(),
  ).resolves.toBe('closed');
});
