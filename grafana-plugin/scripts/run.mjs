// Runs a TypeScript script of this folder: esbuild bundles it with the src/ modules it imports
// (packages stay external) into .scripts-out/, then Node runs that. Usage: node scripts/run.mjs scripts/x.ts [args]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const [entry, ...args] = process.argv.slice(2);
const outfile = path.resolve(import.meta.dirname, '../.scripts-out', `${path.basename(entry, '.ts')}.mjs`);
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile,
  logLevel: 'warning',
  target: 'node24',
});
const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
