import { PLUGIN_BASE_URL } from './constants';
import { seg, withQuery } from './url';

// The plugin's page URLs: stable and shareable (a transaction page can be pasted into an incident).
// Pure; every link in the plugin is built here.

export interface PodsLink {
  chaincode?: string;
  channel?: string;
  orgs?: readonly string[];
  pods?: readonly string[];
  /** The transaction the filter came from, shown as context. */
  tx?: string;
}

export const paths = {
  channels: () => `${PLUGIN_BASE_URL}/channels`,
  overview: (channel: string) => `${PLUGIN_BASE_URL}/channels/${seg(channel)}`,
  blocks: (channel: string, before?: number) =>
    withQuery(`${PLUGIN_BASE_URL}/channels/${seg(channel)}/blocks`, [['before', before]]),
  block: (channel: string, number: number) => `${PLUGIN_BASE_URL}/channels/${seg(channel)}/blocks/${seg(number)}`,
  transaction: (channel: string, txId: string) =>
    `${PLUGIN_BASE_URL}/channels/${seg(channel)}/transactions/${seg(txId)}`,
  search: (q?: string) => withQuery(`${PLUGIN_BASE_URL}/search`, [['q', q]]),
  keyHistory: (channel: string, chaincode?: string, key?: string) =>
    withQuery(`${PLUGIN_BASE_URL}/channels/${seg(channel)}/keys`, [
      ['chaincode', chaincode],
      ['key', key],
    ]),
  conflicts: (channel: string) => `${PLUGIN_BASE_URL}/channels/${seg(channel)}/conflicts`,
  certificates: () => `${PLUGIN_BASE_URL}/certificates`,
  pods: (f: PodsLink = {}) =>
    withQuery(`${PLUGIN_BASE_URL}/pods`, [
      ['chaincode', f.chaincode],
      ['channel', f.channel],
      ...(f.orgs ?? []).map((o): [string, string] => ['org', o]),
      ...(f.pods ?? []).map((p): [string, string] => ['pod', p]),
      ['tx', f.tx],
    ]),
  /** The Profile page: a profile by id, or the capture form for a chaincode or pod (from a pod or a transaction). */
  profile: (f: { id?: string; chaincode?: string; pod?: string; tx?: string; channel?: string } = {}) =>
    withQuery(`${PLUGIN_BASE_URL}/profile`, [
      ['id', f.id],
      ['chaincode', f.chaincode],
      ['pod', f.pod],
      ['channel', f.channel],
      ['tx', f.tx],
    ]),
  config: () => `/plugins/mictract-app`,
  /** The chaincode dashboard (dashboards/), filtered with its template variables. */
  chaincodeDashboard: (chaincode?: string, pod?: string, channel?: string) =>
    withQuery(`/d/mictract-chaincode`, [
      ['var-channel', channel],
      ['var-chaincode', chaincode],
      ['var-pod', pod],
    ]),
};
