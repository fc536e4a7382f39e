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
  const obs = network.observability;
  if (obs) {
    row('Prometheus (API; exemplars on)', `http://${at(obs.prometheus)}/api/v1/query?query=up`);
    row('Jaeger (traces, API v3)', `http://${at(obs.jaeger.query)}/api/v3/services`);
    row('OTLP/HTTP in (Jaeger)', `http://${at(obs.jaeger.otlp)}/v1/traces`);
    row('ledger API (mictract-exporter)', `http://${at(obs.exporter.listen)}/api/v1/channels`);
    row('exporter metrics', `http://${at(obs.exporter.listen)}/metrics`);
  }
  for (const cc of network.chaincodes) {
    for (const r of cc.slots[0].replicas) if (r.sidecar) row(`${cc.name} sidecar metrics (${r.name})`, `http://${at(r.sidecar.metrics)}/metrics`);
  }
  return `where to look:\n${lines.join('\n')}\n  try: npx mictract query marbles getMarblesByRange '' '~'`;
}
