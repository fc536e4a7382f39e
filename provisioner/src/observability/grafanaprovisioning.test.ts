import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadSpec } from '../networkspec';
import { ensureProfileToken } from './exporterprocess';
import { grafanaCommand, writeGrafanaProvisioning } from './grafanaprovisioning';

const EXAMPLE = path.resolve(__dirname, '../../../examples/network.yaml');

describe('mictract grafana: a provisioning folder for a network', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-grafana-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("points Grafana at the network's Prometheus (exemplars to its Jaeger), Jaeger and exporter, with the dashboards and alerts", async () => {
    const { network } = await loadSpec(EXAMPLE);
    const obs = network.observability!;
    const files = await writeGrafanaProvisioning(network, dir);
    const ds = parse(await readFile(path.join(files.provisioning, 'datasources/mictract.yaml'), 'utf8')) as { datasources: { uid: string; type: string; url: string; jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] } }[] };
    const prom = ds.datasources.find((d) => d.type === 'prometheus')!;
    expect(prom.url).toBe(`http://127.0.0.1:${obs.prometheus.port}`);
    expect(prom.jsonData?.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: 'mictract-jaeger' }]);
    expect(ds.datasources.find((d) => d.uid === 'mictract-jaeger')?.url).toBe(`http://127.0.0.1:${obs.jaeger.query.port}`);
    const app = parse(await readFile(path.join(files.provisioning, 'plugins/mictract.yaml'), 'utf8')) as { apps: { type: string; jsonData: Record<string, string> }[] };
    expect(app.apps[0]).toMatchObject({ type: 'mictract-app', jsonData: { apiUrl: `http://127.0.0.1:${obs.exporter.listen.port}/api/v1`, prometheusUid: 'mictract-prometheus', tracesUid: 'mictract-jaeger' } });
    // the alerts query the data source the provisioning file defines
    expect(await readFile(path.join(files.provisioning, 'alerting/mictract-alerts.yaml'), 'utf8')).toContain('mictract-prometheus');
    const provider = parse(await readFile(path.join(files.provisioning, 'dashboards/mictract.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0]!.options.path).toBe(files.dashboards);
    expect(files.files.filter((f) => f.endsWith('.json')).map((f) => path.basename(f)).sort()).toEqual(['chaincode.json', 'fabric.json', 'overview.json']);
    expect(await readlink(path.join(files.pluginDir, 'mictract-app'))).toMatch(/grafana-plugin\/dist$/);
    expect(grafanaCommand(files)).toContain(`GF_PATHS_PROVISIONING=${files.provisioning}`);
  });

  it("gives the app the exporter's profile token as a secure setting, which its capture route sends", async () => {
    const { network } = await loadSpec(EXAMPLE);
    const netDir = path.join(dir, 'net');
    const tokenFile = await ensureProfileToken({ network: netDir, data: path.join(netDir, 'data') });
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // made once: a second `up` keeps it
    await ensureProfileToken({ network: netDir, data: path.join(netDir, 'data') });
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(token);
    const files = await writeGrafanaProvisioning(network, path.join(dir, 'grafana'), netDir);
    const app = parse(await readFile(path.join(files.provisioning, 'plugins/mictract.yaml'), 'utf8')) as { apps: { secureJsonData?: Record<string, string> }[] };
    expect(app.apps[0]!.secureJsonData).toEqual({ profileToken: token });
    // without a token (a network brought up before profiling existed) the app gets none
    const without = await writeGrafanaProvisioning(network, path.join(dir, 'grafana2'), path.join(dir, 'elsewhere'));
    expect((parse(await readFile(path.join(without.provisioning, 'plugins/mictract.yaml'), 'utf8')) as { apps: object[] }).apps[0]).not.toHaveProperty('secureJsonData');
  });
});
