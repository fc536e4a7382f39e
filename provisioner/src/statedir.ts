import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Root of all local networks: MICTRACT_HOME, else .mictract in the current folder (git-ignored). */
export function mictractHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env.MICTRACT_HOME ?? '.mictract');
}

/** One folder per network holds its state, logs, pids and keys. */
export function networkDir(name: string, home = mictractHome()): string {
  return path.join(home, 'networks', name);
}

export const cryptoDir = (netDir: string) => path.join(netDir, 'crypto');

/** A mistake in how a command was called; the message says what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The folder of the named network, or of the only one there is when no name is given. */
export async function resolveNetworkDir(name: string | undefined, home = mictractHome()): Promise<string> {
  const known = (await readdir(path.join(home, 'networks')).catch(() => [] as string[])).sort();
  if (name !== undefined) {
    if (known.includes(name)) return networkDir(name, home);
    throw new UsageError(`no network named "${name}" in ${home}; known: ${known.join(', ') || 'none'} (set MICTRACT_HOME if it lives elsewhere)`);
  }
  if (known.length === 1) return networkDir(known[0]!, home);
  throw new UsageError(
    known.length === 0
      ? `no network in ${home}: bring one up with \`mictract up <spec>\` (or set MICTRACT_HOME)`
      : `${known.length} networks in ${home} (${known.join(', ')}): name the one you mean`,
  );
}
