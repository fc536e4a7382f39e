import type { Endpoint, Network } from '../networkspec/network';

const at = (e: Endpoint) => `${e.host}:${e.port}`;

/** Every address of a running local network that a person or a tool would open, one per line. */
export function whereToLook(network: Network): string {
  const lines: string[] = [];
  const row = (what: string, where: string) => lines.push(`  ${what.padEnd(34)} ${where}`);
  for (const org of network.organizations) {
    for (const p of org.peers) {
      row(`${p.fqdn} (gateway, TLS)`, at(p.listen));
      row(`${p.fqdn} metrics`, `http://${at(p.operations)}/metrics`);
    }
  }
  for (const o of network.ordererOrg.nodes) {
    row(`${o.fqdn} (TLS)`, at(o.listen));
    row(`${o.fqdn} metrics`, `http://${at(o.operations)}/metrics`);
  }
  return `where to look:\n${lines.join('\n')}\n  try: npx mictract query marbles getMarblesByRange '' '~'`;
}
