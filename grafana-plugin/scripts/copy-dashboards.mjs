// Before a build: the dashboards of ../dashboards (generated, committed there) into src/dashboards/, so the
// build copies them into the plugin and plugin.json's `includes` install them with the app. The copy is
// not committed (src/dashboards/ is in .gitignore): dashboards/ stays their one source.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const from = path.resolve(import.meta.dirname, '../../dashboards/generated/dashboards');
const to = path.resolve(import.meta.dirname, '../src/dashboards');
mkdirSync(to, { recursive: true });
for (const f of readdirSync(from).filter((f) => f.endsWith('.json'))) {
  copyFileSync(path.join(from, f), path.join(to, f));
}
