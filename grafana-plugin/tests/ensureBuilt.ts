import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** dist/ up to date with src/ (scripts/ensure-built.mjs), one build at a time across jest workers. */
export function ensureBuilt(pluginDir: string): void {
  execFileSync(
    'flock',
    [
      path.join(os.tmpdir(), 'mictract-plugin-build.lock'),
      process.execPath,
      path.join(pluginDir, 'scripts/ensure-built.mjs'),
    ],
    {
      stdio: 'inherit',
    }
  );
}
