// Where each ledger API resource lives behind the plugin's data-proxy route. Pure: these build the URLs
// (path segments percent-encoded, query parameters left out when unset) and nothing else.

import pluginJson from '../plugin.json';
import { seg, withQuery } from '../url';

/** The data-proxy route plugin.json declares (`routes[].path = "api"`) whose URL is the exporter's ledger API base (…/api/v1). */
export const API_ROOT = `api/plugin-proxy/${pluginJson.id}/api`;

export const ledgerPaths = {
  channels: () => `${API_ROOT}/channels`,
  channel: (channel: string) => `${API_ROOT}/channels/${seg(channel)}`,
  blocks: (channel: string, opts: { limit?: number; before?: number | null } = {}) =>
    withQuery(`${API_ROOT}/channels/${seg(channel)}/blocks`, [
      ['limit', opts.limit],
      ['before', opts.before],
    ]),
  block: (channel: string, number: number) => `${API_ROOT}/channels/${seg(channel)}/blocks/${seg(number)}`,
  channelTransaction: (channel: string, txId: string) =>
    `${API_ROOT}/channels/${seg(channel)}/transactions/${seg(txId)}`,
  transaction: (txId: string) => `${API_ROOT}/transactions/${seg(txId)}`,
  keyHistory: (channel: string, chaincode: string, key: string) =>
    `${API_ROOT}/channels/${seg(channel)}/chaincodes/${seg(chaincode)}/keys/${seg(key)}/history`,
  conflicts: (channel: string, limit?: number) =>
    withQuery(`${API_ROOT}/channels/${seg(channel)}/conflicts`, [['limit', limit]]),
  certificates: () => `${API_ROOT}/certificates`,
  pods: () => `${API_ROOT}/pods`,
};
