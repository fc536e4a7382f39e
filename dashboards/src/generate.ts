import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { chaincodeDashboard } from './chaincode';
import { fabricNodesDashboard } from './fabricnodes';
import { grafanaAlertProvisioning } from './grafanaalerts';
import { overviewDashboard } from './overview';
import { HEADER, promRuleFile } from './promrulefiles';
import { ruleGroups } from './rules';
import { promtoolTests } from './ruletests';
import { type Thresholds, production, site } from './thresholds';

// Every generated file, by its path under dashboards/generated/ (or a folder of the caller's), as
// text. `npm run generate -w dashboards` writes them; generated.test.ts fails when the committed
// ones differ.

export const GENERATED_DIR = path.resolve(__dirname, '../generated');

export const dashboards = () => ({ overview: overviewDashboard(), chaincode: chaincodeDashboard(), fabric: fabricNodesDashboard() });

/** The rule files and their promtool tests of one profile: prometheus/<file>.rules.yaml, prometheus/tests/<file>.test.yaml. */
export function ruleFiles(t: Thresholds): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of ruleGroups(t)) {
    out.set(`prometheus/${g.file}.rules.yaml`, promRuleFile(g));
    out.set(`prometheus/tests/${g.file}.test.yaml`, promtoolTests(t, g, `../${g.file}.rules.yaml`));
  }
  return out;
}

export function generatedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, d] of Object.entries(dashboards())) out.set(`dashboards/${name}.json`, `${JSON.stringify(d, null, 2)}\n`);
  for (const [file, text] of ruleFiles(production)) out.set(file, text);
  out.set('grafana/alerting/mictract-alerts.yaml', grafanaAlertProvisioning(ruleGroups(production)));
  out.set(
    'grafana/dashboards/mictract-dashboards.yaml',
    HEADER +
      stringify({
        apiVersion: 1,
        providers: [{ name: 'mictract', folder: site.grafana.folder, type: 'file', disableDeletion: false, allowUiUpdates: false, options: { path: '/var/lib/grafana/dashboards/mictract', foldersFromFilesStructure: false } }],
      }),
  );
  return out;
}

export async function writeFiles(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [rel, text] of files) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

if (require.main === module) {
  writeFiles(GENERATED_DIR, generatedFiles()).then(
    () => console.log(`wrote ${generatedFiles().size} files under ${GENERATED_DIR}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
