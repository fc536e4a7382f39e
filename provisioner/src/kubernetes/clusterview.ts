import type { Chaincode, Endpoint, Network } from '../networkspec/network';
import { chaincodeName, ordererName, peerName } from './names';

// The resolved network as pods see it: every address the plan puts on 127.0.0.1 becomes the
// Service that fronts it in the cluster, with the same port (each pod has its own IP, so the plan's
// ports never collide there and stay the ones the local target uses). A chaincode replica's own
// server stays on 127.0.0.1 when its sidecar fronts it: only the sidecar in the same pod dials it.
// Being a Network, it feeds the local target's own functions (nodeconfig), which then produce
// cluster addresses.

/** Where a listener binds inside a pod: every interface, so Services and kubelet probes reach it. */
export const ANY = '0.0.0.0';

const at = (host: string, e: Endpoint): Endpoint => ({ host, port: e.port });

export function clusterView(network: Network): Network {
  const chaincodes = network.chaincodes.map((cc): Chaincode => ({
    ...cc,
    slots: cc.slots.map((slot) => ({
      ...slot,
      endpoints: new Map([...slot.endpoints].map(([org, e]) => [org, at(chaincodeName(cc, slot, org), e)] as const)),
      replicas: slot.replicas.map((r) => ({
        ...r,
        listen: at(r.sidecar ? '127.0.0.1' : ANY, r.listen),
        ...(r.sidecar ? { sidecar: { listen: at(ANY, r.sidecar.listen), metrics: at(ANY, r.sidecar.metrics) } } : {}),
      })),
    })) as unknown as Chaincode['slots'],
  }));
  const obs = network.observability;
  return {
    ...network,
    ordererOrg: {
      ...network.ordererOrg,
      nodes: network.ordererOrg.nodes.map((o) => {
        const host = ordererName(o);
        return { ...o, listen: at(host, o.listen), cluster: at(host, o.cluster), admin: at(host, o.admin), operations: at(host, o.operations) };
      }),
    },
    organizations: network.organizations.map((org) => ({
      ...org,
      peers: org.peers.map((p) => {
        const host = peerName(org, p);
        return { ...p, listen: at(host, p.listen), chaincode: at(host, p.chaincode), operations: at(host, p.operations) };
      }),
    })),
    chaincodes,
    ...(obs ? { observability: { ...obs, exporter: { listen: at(ANY, obs.exporter.listen) } } } : {}),
  };
}
