import path from 'node:path';

/** Where a local network keeps its observability stack's configuration and data. */
export interface StackDirs {
  readonly network: string;
  readonly data: string;
}

export const stackDir = (dirs: StackDirs) => path.join(dirs.network, 'observability');
export const sidecarTargetsFile = (dirs: StackDirs) => path.join(stackDir(dirs), 'sidecars.json');
export const balancerTargetsFile = (dirs: StackDirs) => path.join(stackDir(dirs), 'balancers.json');
export const podsFile = (dirs: StackDirs) => path.join(stackDir(dirs), 'pods.json');
/** The token the Mictract app's data-proxy route sends to capture a profile (POST /api/v1/profiles); 0600. */
export const profileTokenFile = (dirs: Pick<StackDirs, 'network'>) => path.join(dirs.network, 'observability', 'profile-token');
