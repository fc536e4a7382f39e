// Packages the built plugin (dist/) as the catalogue expects: a zip holding one folder named after the
// plugin id. Usage: node scripts/package.mjs  →  prints the archive's path (artifacts/<id>-<version>.zip).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function packagePlugin(pluginDir = path.resolve(import.meta.dirname, '..')) {
  const dist = path.join(pluginDir, 'dist');
  if (!existsSync(path.join(dist, 'plugin.json'))) {
    throw new Error(`${dist} has no plugin.json: run npm run build first`);
  }
  const { id, info } = JSON.parse(readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
  const out = path.join(pluginDir, 'artifacts', `${id}-${info.version}.zip`);
  mkdirSync(path.dirname(out), { recursive: true });
  rmSync(out, { force: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mictract-package-'));
  try {
    cpSync(dist, path.join(tmp, id), { recursive: true });
    execFileSync('zip', ['-qr', out, id], { cwd: tmp });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(packagePlugin());
}
