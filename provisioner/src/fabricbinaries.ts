import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** The Fabric programs the local target runs. ccaas_builder's are installed as bin/detect, build, release. */
export const FABRIC_PROGRAMS = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'detect', 'build', 'release'] as const;

/** Something outside the user's reach stops the command; exit code 3. */
export class BlockedError extends Error {
  override name = 'BlockedError';
}

/** Raised when the Fabric binaries are not built; says where they were looked for and how to get them. */
export class FabricBinariesMissingError extends BlockedError {
  constructor(
    readonly dir: string,
    readonly missing: readonly string[],
  ) {
    super(
      `Fabric binaries not found in ${dir}: ${missing.join(', ')}.\n` +
        '  They are built from the Go module proxy by tools/build.sh. Today the proxy refuses every\n' +
        '  github.com/hyperledger/* module ("403 Forbidden: This module version is not available"),\n' +
        '  so they cannot be built on this machine; run tools/fabric-probe.sh to see the current answer.\n' +
        '  If you have Fabric 2.5 binaries (peer, orderer, configtxgen, osnadmin and the ccaas builder),\n' +
        '  set MICTRACT_FABRIC_BIN to their folder.',
    );
    this.name = 'FabricBinariesMissingError';
  }
}

/** Where the binaries are looked for: MICTRACT_FABRIC_BIN, else the tools build folder of this checkout. */
export function fabricBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MICTRACT_FABRIC_BIN ?? path.resolve(__dirname, '../../.cache/bin');
}

/** Resolves every Fabric program to its path, or throws FabricBinariesMissingError naming the missing ones. */
export async function locateFabricBinaries(dir = fabricBinDir()): Promise<Record<(typeof FABRIC_PROGRAMS)[number], string>> {
  const found: Partial<Record<(typeof FABRIC_PROGRAMS)[number], string>> = {};
  const missing: string[] = [];
  for (const program of FABRIC_PROGRAMS) {
    const file = path.join(dir, program);
    const ok = await access(file, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) found[program] = file;
    else missing.push(program);
  }
  if (missing.length > 0) throw new FabricBinariesMissingError(dir, missing);
  return found as Record<(typeof FABRIC_PROGRAMS)[number], string>;
}
