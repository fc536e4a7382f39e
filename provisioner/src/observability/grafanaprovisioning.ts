import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Network } from '../networkspec/network';
import { networkDir } from '../statedir';
import { profileTokenFile } from './stackdirs';

// `mictract grafana <dir>`: a Grafana provisioning folder for a running local network, so a user's
// own Grafana shows it: the network's Prometheus (exemplars linked to its Jaeger), Jaeger, the
// Mictract app enabled with its ledger API URL, the dashboards and the Grafana-managed alerts that
// dashboards/ generates. Grafana reads it with GF_PATHS_PROVISIONING=<dir>/provisioning.

const DASHBOARDS = path.resolve(__dirname, '../../../dashboards/generated');
export const PLUGIN_ID = 'mictract-app';
const PLUGIN_DIST = path.resolve(__dirname, '../../../grafana-plugin/dist');

export interface GrafanaFiles {
  readonly provisioning: string;
  readonly dashboards: string;
  readonly files: string[];
  readonly pluginDir: string;
}

export async function writeGrafanaProvisioning(network: Network, dir: string, netDir = networkDir(network.name)): Promise<GrafanaFiles> {
  const obs = network.observability;
  if (!obs) throw new Error(`network ${network.name} runs without observability (observability: false in its spec): there is no Prometheus or exporter to point Grafana at`);
  const at = (e: { host: string; port: number }) => `http://${e.host}:${e.port}`;
  const provisioning = path.join(path.resolve(dir), 'provisioning');
  const dashboards = path.join(path.resolve(dir), 'dashboards');
  const files: string[] = [];
  const write = async (rel: string, text: string) => {
    const file = path.join(provisioning, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    files.push(file);
  };
  await write(
    'datasources/mictract.yaml',
    stringify({
      apiVersion: 1,
      datasources: [
        {
          name: `Prometheus (${network.name})`,
          uid: 'mictract-prometheus',
          type: 'prometheus',
          url: at(obs.prometheus),
          isDefault: true,
          // a latency exemplar's trace_id opens the trace: the sidecar and the exporter set that label
          jsonData: { exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: 'mictract-jaeger' }] },
        },
        { name: `Jaeger (${network.name})`, uid: 'mictract-jaeger', type: 'jaeger', url: at(obs.jaeger.query) },
      ],
    }),
  );
  // the app's route sends it to capture profiles; the exporter made it at `up` (none yet: no capture)
  const profileToken = (await readFile(profileTokenFile({ network: netDir }), 'utf8').catch(() => '')).trim();
  await write(
    'plugins/mictract.yaml',
    stringify({
      apiVersion: 1,
      apps: [
        {
          type: PLUGIN_ID,
          org_id: 1,
          disabled: false,
          jsonData: { apiUrl: `${at(obs.exporter.listen)}/api/v1`, prometheusUid: 'mictract-prometheus', tracesUid: 'mictract-jaeger' },
          ...(profileToken ? { secureJsonData: { profileToken } } : {}),
        },
      ],
    }),
  );
  await write(
    'dashboards/mictract.yaml',
    stringify({ apiVersion: 1, providers: [{ name: 'mictract', folder: 'Mictract', type: 'file', allowUiUpdates: false, options: { path: dashboards } }] }),
  );
  await mkdir(dashboards, { recursive: true });
  for (const f of (await readdir(path.join(DASHBOARDS, 'dashboards'))).filter((n) => n.endsWith('.json'))) {
    await copyFile(path.join(DASHBOARDS, 'dashboards', f), path.join(dashboards, f));
    files.push(path.join(dashboards, f));
  }
  const alerts = path.join(provisioning, 'alerting', 'mictract-alerts.yaml');
  await mkdir(path.dirname(alerts), { recursive: true });
  await copyFile(path.join(DASHBOARDS, 'grafana', 'alerting', 'mictract-alerts.yaml'), alerts);
  files.push(alerts);
  // GF_PATHS_PLUGINS holds one folder per plugin, named by its id
  const plugins = path.join(path.resolve(dir), 'plugins');
  await mkdir(plugins, { recursive: true });
  await symlink(PLUGIN_DIST, path.join(plugins, PLUGIN_ID)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return { provisioning, dashboards, files, pluginDir: plugins };
}

/** The one command that starts a user's own Grafana (12.4) with this folder and the built plugin. */
export function grafanaCommand(files: GrafanaFiles): string {
  return [
    `GF_PATHS_PROVISIONING=${files.provisioning}`,
    `GF_PATHS_PLUGINS=${files.pluginDir}`,
    `GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=${PLUGIN_ID}`,
    'GF_SERVER_HTTP_ADDR=127.0.0.1',
    'grafana server --homepath /usr/share/grafana',
  ].join(' \\\n  ');
}
