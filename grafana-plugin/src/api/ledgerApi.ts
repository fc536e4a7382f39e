import { getJson } from './request';
import { ledgerPaths } from './ledgerPaths';
import type {
  Block,
  BlockPage,
  CertificateList,
  Channel,
  ChannelList,
  Conflicts,
  KeyHistory,
  PodList,
  Transaction,
} from './types';

// The ledger API through the plugin's data-proxy route: one function per resource.

export const ledgerApi = {
  channels: () => getJson<ChannelList>(ledgerPaths.channels()),
  channel: (channel: string) => getJson<Channel>(ledgerPaths.channel(channel)),
  blocks: (channel: string, opts: { limit?: number; before?: number | null } = {}) =>
    getJson<BlockPage>(ledgerPaths.blocks(channel, opts)),
  block: (channel: string, number: number) => getJson<Block>(ledgerPaths.block(channel, number)),
  transaction: (txId: string, channel?: string) =>
    getJson<Transaction>(channel ? ledgerPaths.channelTransaction(channel, txId) : ledgerPaths.transaction(txId)),
  keyHistory: (channel: string, chaincode: string, key: string) =>
    getJson<KeyHistory>(ledgerPaths.keyHistory(channel, chaincode, key)),
  conflicts: (channel: string, limit?: number) => getJson<Conflicts>(ledgerPaths.conflicts(channel, limit)),
  certificates: () => getJson<CertificateList>(ledgerPaths.certificates()),
  pods: () => getJson<PodList>(ledgerPaths.pods()),
};
