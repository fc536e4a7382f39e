import type { Endpoint, Network } from '../networkspec/network';

// Prometheus for a local network: Fabric's own operations metrics from every orderer and peer, the
// exporter, and every sidecar. Sidecars come and go with chaincode slots, so they are a file_sd
// target list that `up` rewrites and Prometheus re-reads by itself; the rest is static.

const at = (e: Endpoint) => `${e.host}:${e.port}`;

export interface PrometheusFiles {
  readonly config: Record<string, unknown>;
}

export function prometheusConfig(network: Network, sidecarTargetsFile: string, balancerTargetsFile: string, ruleFiles: readonly string[] = []): Record<string, unknown> {
  const obs = network.observability;
  const labels = { namespace: network.name, channel: network.channel };
  return {
    global: { scrape_interval: '5s', evaluation_interval: '5s', external_labels: { network: network.name } },
    rule_files: [...ruleFiles],
    scrape_configs: [
      {
        job_name: 'fabric-orderer',
        static_configs: network.ordererOrg.nodes.map((o) => ({ targets: [at(o.operations)], labels: { ...labels, instance_name: o.fqdn, org: network.ordererOrg.mspId } })),
      },
      {
        job_name: 'fabric-peer',
        static_configs: network.organizations.flatMap((org) => org.peers.map((p) => ({ targets: [at(p.operations)], labels: { ...labels, instance_name: p.fqdn, org: org.mspId } }))),
      },
      {
        job_name: 'mictract-sidecar',
        file_sd_configs: [{ files: [sidecarTargetsFile], refresh_interval: '5s' }],
      },
      {
        job_name: 'mictract-balancer',
        file_sd_configs: [{ files: [balancerTargetsFile], refresh_interval: '5s' }],
      },
      ...(obs ? [{ job_name: 'mictract-exporter', static_configs: [{ targets: [at(obs.exporter.listen)], labels }] }] : []),
    ],
  };
}

/** The file_sd list of sidecars that run now: one target per replica, labelled with its pod. */
export function sidecarTargets(network: Network, running: ReadonlySet<string>): { targets: string[]; labels: Record<string, string> }[] {
  return network.chaincodes.flatMap((cc) =>
    cc.slots.flatMap((slot) =>
      slot.replicas
        .filter((r) => r.sidecar && running.has(r.name))
        .map((r) => ({
          targets: [at(r.sidecar!.metrics)],
          labels: { namespace: network.name, pod: r.name, chaincode: cc.name, org: network.organizations.find((o) => o.name === r.org)!.mspId, slot: slot.name },
        })),
    ),
  );
}

/** The file_sd list of chaincode balancers that run now: one per org and chaincode slot. */
export function balancerTargets(network: Network, running: ReadonlySet<string>): { targets: string[]; labels: Record<string, string> }[] {
  return network.chaincodes.flatMap((cc) =>
    cc.slots.flatMap((slot) =>
      [...slot.balancerMetrics]
        .filter(([org]) => running.has(`${cc.service}-${slot.name}-${org.toLowerCase()}-endpoint`))
        .map(([org, ep]) => ({
          targets: [at(ep)],
          // chaincode and org come on the series themselves (the balancer's --chaincode and --org)
          labels: { namespace: network.name, slot: slot.name },
        })),
    ),
  );
}
