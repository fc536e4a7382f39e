import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { seconds } from './duration';
import { GENERATED_DIR, dashboards, generatedFiles } from './generate';
import { panelQueries, variableSeries } from './promexpressions';
import { isAlert, ruleGroups } from './rules';
import { untestedAlerts } from './ruletests';
import { production, site, test as testProfile } from './thresholds';

// The committed files under generated/ are exactly what the TypeScript generates now.

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p, base) : [path.relative(base, p)];
  });
}

const REGENERATE = 'run `npm run generate -w dashboards` and commit dashboards/generated/';

test('committed generated files are up to date', () => {
  const expected = generatedFiles();
  const stale = [...expected].filter(([rel, text]) => !existsSync(path.join(GENERATED_DIR, rel)) || readFileSync(path.join(GENERATED_DIR, rel), 'utf8') !== text).map(([rel]) => rel);
  const orphans = filesUnder(GENERATED_DIR).filter((rel) => !expected.has(rel));
  if (stale.length || orphans.length) throw new Error(`generated files are stale: ${[...stale, ...orphans.map((o) => `${o} (no longer generated)`)].join(', ')}; ${REGENERATE}`);
});

describe.each([production, testProfile])('$profile rules', (t) => {
  const alerts = ruleGroups(t).flatMap((g) => g.rules.filter(isAlert));

  test('every alert has severity, summary, description and a runbook that exists', () => {
    for (const a of alerts) {
      expect(['critical', 'warning']).toContain(a.labels.severity);
      expect(a.annotations.summary.length).toBeGreaterThan(10);
      expect(a.annotations.description.length).toBeGreaterThan(20);
      expect(a.annotations.runbook_url).toBe(`${site.runbookBaseUrl}/${a.alert}.md`);
      const runbook = path.resolve(__dirname, '../runbooks', `${a.alert}.md`);
      expect(existsSync(runbook)).toBe(true);
      const text = readFileSync(runbook, 'utf8');
      for (const section of ['## Meaning', '## Confirm', '## Act']) expect(text).toContain(section);
    }
  });

  test('the issue\'s alerts are all there', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      ['BlockHeightStalled', 'CertificateExpiringSoon', 'CertificateExpiryCritical', 'ChainVerificationFailed', 'ChaincodeErrorBudgetFastBurn', 'ChaincodeErrorBudgetSlowBurn', 'ChaincodeLatencyHigh', 'ChaincodeReplicaDown', 'ChaincodeReplicaLost', 'ChaincodeUnavailable', 'ExporterDecodeErrors', 'ExporterDown', 'ExporterLagging', 'OrdererLeaderChanges', 'OrdererNoLeader', 'PeerLagging', 'SidecarDown'].sort(),
    );
  });
});

test('every production alert has a promtool case that fires and one that does not', () => {
  expect(untestedAlerts(production)).toEqual([]);
});

test('fast burn pages, slow burn opens a ticket', () => {
  const byName = new Map(ruleGroups(production).flatMap((g) => g.rules.filter(isAlert)).map((a) => [a.alert, a]));
  expect(byName.get('ChaincodeErrorBudgetFastBurn')!.labels.severity).toBe('critical');
  expect(byName.get('ChaincodeErrorBudgetSlowBurn')!.labels.severity).toBe('warning');
  expect(byName.get('CertificateExpiryCritical')!.labels.severity).toBe('critical');
  expect(byName.get('CertificateExpiringSoon')!.labels.severity).toBe('warning');
});

describe('dashboards', () => {
  const all = dashboards();

  test('the chaincode dashboard has channel, chaincode, function and pod variables, used by its queries', () => {
    const names = (all.chaincode.templating?.list ?? []).map((v) => v.name);
    expect(names).toEqual(['datasource', 'channel', 'chaincode', 'function', 'pod']);
    const exprs = panelQueries('chaincode', all.chaincode).map((q) => q.expr).join('\n');
    for (const v of ['channel', 'chaincode', 'function', 'pod']) expect(exprs).toContain(`=~"$${v}"`);
    expect(variableSeries(all.chaincode).map((v) => v.name)).toEqual(['channel', 'chaincode', 'function', 'pod']);
  });

  test('latency panels ask for exemplars (the trace behind a spike)', () => {
    const exemplarTargets = (all.chaincode.panels ?? []).flatMap((p) => ((p as { targets?: { exemplar?: boolean }[] }).targets ?? []).filter((t) => t.exemplar));
    expect(exemplarTargets.length).toBeGreaterThanOrEqual(3);
  });

  test('each dashboard links to the plugin pages and reads the datasource variable', () => {
    for (const d of Object.values(all)) {
      expect((d.links ?? []).some((l) => l.url?.startsWith(`/a/${site.pluginId}/`))).toBe(true);
      for (const p of d.panels ?? []) {
        const ds = (p as { datasource?: { uid?: string } }).datasource;
        if ((p as { type?: string }).type !== 'row') expect(ds?.uid).toBe('${datasource}');
      }
    }
  });

  test('panels do not overlap', () => {
    for (const d of Object.values(all)) {
      const boxes = (d.panels ?? []).map((p) => p.gridPos!);
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!;
          const b = boxes[j]!;
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap).toBe(false);
        }
    }
  });
});

test('links go to pages the app plugin has (grafana-plugin/src/plugin.json), when it is there', () => {
  const pluginJson = path.resolve(__dirname, '../../grafana-plugin/src/plugin.json');
  if (!existsSync(pluginJson)) return;
  const pages = (JSON.parse(readFileSync(pluginJson, 'utf8')) as { includes?: { type: string; path?: string }[] }).includes
    ?.filter((i) => i.type === 'page' && i.path)
    .map((i) => i.path!.replace('%PLUGIN_ID%', site.pluginId).split('/')[3]);
  const urls = Object.values(dashboards()).flatMap((d) => [
    ...(d.links ?? []).map((l) => l.url ?? ''),
    ...(d.panels ?? []).flatMap((p) => ((p as { fieldConfig?: { defaults?: { links?: { url?: string }[] } } }).fieldConfig?.defaults?.links ?? []).map((l) => l.url ?? '')),
  ]);
  const pluginUrls = urls.filter((u) => u.startsWith(`/a/${site.pluginId}/`));
  expect(pluginUrls.length).toBeGreaterThan(5);
  for (const u of pluginUrls) expect(pages).toContain(u.split(/[/?]/)[3]);
});

test('Grafana alert provisioning: file shape Grafana reads, one rule per alert, self-contained queries', () => {
  const file = parse(generatedFiles().get('grafana/alerting/mictract-alerts.yaml')!) as {
    apiVersion: number;
    groups: { orgId: number; name: string; folder: string; interval: string; rules: { uid: string; title: string; condition: string; for: string; data: { refId: string; datasourceUid: string; model: { expr?: string } }[]; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
  };
  expect(file.apiVersion).toBe(1);
  const rules = file.groups.flatMap((g) => {
    expect(g).toMatchObject({ orgId: site.grafana.orgId, folder: site.grafana.folder, interval: `${seconds(production.evaluationInterval)}s` });
    return g.rules;
  });
  expect(rules.map((r) => r.title).sort()).toEqual(ruleGroups(production).flatMap((g) => g.rules.filter(isAlert).map((a) => a.alert)).sort());
  for (const r of rules) {
    expect(r.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(r.data.map((d) => d.refId)).toContain(r.condition);
    const a = r.data.find((d) => d.refId === 'A')!;
    expect(a.datasourceUid).toBe(site.grafana.datasourceUid);
    expect(a.model.expr).not.toMatch(/mictract:[a-z_]+:/); // recorded series inlined
    expect(r.annotations.runbook_url).toContain(`/${r.title}.md`);
    expect(JSON.stringify(r.annotations)).not.toMatch(/\$value\b(?!s)/);
  }
});
