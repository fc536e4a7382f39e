import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { FabricLine } from './networkspec/network';

// Where the Fabric programs come from. The project builds them from Fabric's own source (the Go module
// proxy refuses github.com/hyperledger/*) with tools/fabric.sh into a cache shared by every checkout;
// MICTRACT_FABRIC_BIN points at binaries a user already has instead.

/** The Fabric programs the local target runs. ccaas_builder's are installed as bin/detect, build, release. */
export const FABRIC_PROGRAMS = ['peer', 'orderer', 'configtxgen', 'configtxlator', 'osnadmin', 'detect', 'build', 'release'] as const;
export type FabricProgram = (typeof FABRIC_PROGRAMS)[number];

/** A prerequisite outside the spec is missing or failed to build; exit code 3. */
export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

export interface FabricInstall {
  readonly line: FabricLine;
  readonly bin: string;
  /** Fabric's sampleconfig (core.yaml, orderer.yaml), the defaults the binaries read. */
  readonly config: string;
  /** The folder holding bin/detect, bin/build, bin/release: the peer's external builder path. */
  readonly builderDir: string;
  readonly programs: Readonly<Record<FabricProgram, string>>;
}

const FABRIC_SH = path.resolve(__dirname, '../../tools/fabric.sh');

/**
 * The Fabric install for a release line: MICTRACT_FABRIC_BIN if set (its sampleconfig in
 * MICTRACT_FABRIC_CONFIG or ../config), else the project's build, made on first use (about 3 min).
 */
export async function fabricInstall(line: FabricLine, env: NodeJS.ProcessEnv = process.env): Promise<FabricInstall> {
  let bin = env.MICTRACT_FABRIC_BIN;
  if (bin === undefined) {
    await access(FABRIC_SH, constants.X_OK).catch(() => {
      throw new PrerequisiteError(`Fabric ${line} binaries: ${FABRIC_SH} is missing; set MICTRACT_FABRIC_BIN to a folder with peer, orderer, configtxgen, configtxlator, osnadmin and the ccaas builder`);
    });
    bin = await new Promise<string>((resolve, reject) => {
      // progress of a first build goes straight to the user's terminal
      const child = execFile(FABRIC_SH, [line], { env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '', ...(env.MICTRACT_CACHE_DIR ? { MICTRACT_CACHE_DIR: env.MICTRACT_CACHE_DIR } : {}), ...(env.MICTRACT_FABRIC_SRC ? { MICTRACT_FABRIC_SRC: env.MICTRACT_FABRIC_SRC } : {}), ...(env.GOCACHE ? { GOCACHE: env.GOCACHE } : {}), ...(env.GOPATH ? { GOPATH: env.GOPATH } : {}) } }, (err, stdout) =>
        err ? reject(new PrerequisiteError(`building Fabric ${line} failed (tools/fabric.sh ${line}, exit ${err.code ?? '?'}); its output is above`)) : resolve(stdout.trim()),
      );
      child.stderr?.pipe(process.stderr);
    });
  }
  const programs: Partial<Record<FabricProgram, string>> = {};
  const missing: string[] = [];
  for (const program of FABRIC_PROGRAMS) {
    const file = path.join(bin, program);
    if (await access(file, constants.X_OK).then(() => true, () => false)) programs[program] = file;
    else missing.push(program);
  }
  if (missing.length > 0) {
    throw new PrerequisiteError(`Fabric binaries in ${bin} lack ${missing.join(', ')}; ${env.MICTRACT_FABRIC_BIN ? 'MICTRACT_FABRIC_BIN must hold them all (the ccaas builder as detect, build, release)' : `rebuild with tools/fabric.sh ${line}`}`);
  }
  const config = env.MICTRACT_FABRIC_CONFIG ?? path.join(path.dirname(bin), 'config');
  await access(path.join(config, 'core.yaml')).catch(() => {
    throw new PrerequisiteError(`Fabric's sampleconfig (core.yaml, orderer.yaml) is not in ${config}; set MICTRACT_FABRIC_CONFIG to it`);
  });
  return { line, bin, config, builderDir: path.dirname(bin), programs: programs as Record<FabricProgram, string> };
}
