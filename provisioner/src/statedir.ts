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
