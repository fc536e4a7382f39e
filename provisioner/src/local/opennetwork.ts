import { loadSpec } from '../networkspec';
import type { Network } from '../networkspec/network';
import { UsageError, resolveNetworkDir } from '../statedir';
import { type LocalDirs, localDirs, readNetworkRecord } from './up';

/** A network brought up before: its spec (as recorded by `up`) resolved again, and its folders. */
export async function openNetwork(name?: string): Promise<{ network: Network; dirs: LocalDirs; specFile: string }> {
  const dir = await resolveNetworkDir(name);
  const record = await readNetworkRecord(dir);
  if (!record) throw new UsageError(`${dir} has no network.json: bring the network up with \`mictract up <spec>\` first`);
  const { network } = await loadSpec(record.specFile).catch((err: Error) => {
    throw new UsageError(`the spec this network was brought up with (${record.specFile}) cannot be read any more: ${err.message}`);
  });
  return { network, dirs: localDirs(network), specFile: record.specFile };
}
