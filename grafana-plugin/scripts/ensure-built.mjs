// Builds dist/ (npm run build) when it is missing or older than src/, package.json or the dashboards.
// The tests that need dist/ run this under flock, so two jest workers never build at once.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const pluginDir = path.resolve(import.meta.dirname, '..');
const IGNORE = new Set(['dashboards']); // src/dashboards/ is the build's own copy (scripts/copy-dashboards.mjs)

function newestMtime(dir, top = true) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (top && IGNORE.has(e.name) && dir.endsWith('src')) {
      continue;
    }
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p, false) : statSync(p).mtimeMs);
  }
  return newest;
}

const module = path.join(pluginDir, 'dist/module.js');
const sources = [path.join(pluginDir, 'src'), path.join(pluginDir, '../dashboards/generated/dashboards')].filter(
  existsSync
);
const newest = Math.max(statSync(path.join(pluginDir, 'package.json')).mtimeMs, ...sources.map((s) => newestMtime(s)));
if (!existsSync(module) || statSync(module).mtimeMs < newest) {
  execFileSync('npm', ['run', 'build'], { cwd: pluginDir, stdio: 'ignore' });
}
