import type { NetworkSpecValues } from './schema';

// The concrete network a spec describes: every node with its host name, MSP ID and ports.
// Derived by a pure function so the local and Kubernetes targets, the crypto generator and the
// exporter all agree on names and ports without storing them twice.

export interface Endpoint {
  readonly host: string; // always 127.0.0.1 for the local target
  readonly port: number;
}

export interface OrdererNode {
  readonly name: string; // e.g. orderer0
  readonly fqdn: string; // e.g. orderer0.example.com
  readonly listen: Endpoint; // Broadcast/Deliver (TLS)
  readonly cluster: Endpoint; // Raft consensus between orderers (mutual TLS)
  readonly admin: Endpoint; // channel participation API (mutual TLS)
  readonly operations: Endpoint; // /metrics, /healthz
}

export interface PeerNode {
  readonly name: string; // e.g. peer0
  readonly fqdn: string; // e.g. peer0.org1.example.com
  readonly org: string;
  readonly listen: Endpoint; // gateway, endorser, deliver, gossip (TLS)
  readonly chaincode: Endpoint; // chaincode listen address (unused with CCaaS, but bound; Fabric's default 7052 would collide)
  readonly operations: Endpoint;
}

export interface Organization {
  readonly name: string;
  readonly mspId: string;
  readonly domain: string;
  readonly peers: readonly PeerNode[];
}

export interface ChaincodeReplica {
  readonly name: string; // e.g. marbles-org1-0, the pod name on Kubernetes
  readonly org: string;
  readonly index: number;
  readonly listen: Endpoint; // the chaincode server itself (plaintext, loopback only)
  readonly sidecar?: { readonly listen: Endpoint; readonly metrics: Endpoint };
}

/**
 * One of a chaincode's two deployment slots. A definition at an odd sequence runs in blue, at an
 * even one in green, so an upgrade starts the new version's replicas beside the old ones (other
 * ports, other package), commits, then stops the old: peers never lose a chaincode connection.
 */
export interface ChaincodeSlot {
  readonly name: 'blue' | 'green';
  /** One endpoint per org, as a Kubernetes Service would give: peers of that org connect here. */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  /** Where each org's chaincode balancer (behind its endpoint) serves its metrics. */
  readonly balancerMetrics: ReadonlyMap<string, Endpoint>;
  readonly replicas: readonly ChaincodeReplica[];
}

export interface Chaincode {
  readonly name: string;
  /** DNS-safe form of the name, for host names and certificates: marbles, my-cc for my_cc. */
  readonly service: string;
  readonly path: string; // absolute source folder
  readonly version: string;
  readonly sidecar: boolean;
  readonly slots: readonly [ChaincodeSlot, ChaincodeSlot];
}

/** The slot a chaincode definition at `sequence` runs in. */
export function slotOf(cc: Chaincode, sequence: number): ChaincodeSlot {
  return cc.slots[(sequence - 1) % 2]!;
}

/** Fabric release lines the provisioner builds and runs. */
export type FabricLine = '2.5' | '3.1';

export interface Network {
  readonly name: string;
  readonly fabric: FabricLine;
  /** Orderer BatchTimeout in milliseconds: each ordered step (approve, commit, invoke) waits about this long. */
  readonly batchTimeoutMs: number;
  readonly domain: string;
  readonly channel: string;
  readonly ordererOrg: { readonly name: string; readonly mspId: string; readonly domain: string; readonly nodes: readonly OrdererNode[] };
  readonly organizations: readonly Organization[];
  readonly chaincodes: readonly Chaincode[];
  /** The observability stack beside the network: the exporter, Prometheus and a trace store (Jaeger). */
  readonly observability?: Observability;
}

export interface Observability {
  /** The exporter serves its ledger API (/api/v1) and its metrics (/metrics) on one port. */
  readonly exporter: { readonly listen: Endpoint };
  readonly prometheus: Endpoint;
  readonly jaeger: { readonly otlp: Endpoint; readonly query: Endpoint; readonly queryGrpc: Endpoint; readonly health: Endpoint };
}

export const LOOPBACK = '127.0.0.1';

/** Chaincode names may hold '_' and capitals, which host names and certificate SANs may not. */
export function chaincodeService(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** Hands out consecutive ports from the spec's base, in a fixed order, so a network keeps its ports across restarts. */
class PortAllocator {
  private next: number;
  constructor(base: number) {
    this.next = base;
  }
  take(): Endpoint {
    return { host: LOOPBACK, port: this.next++ };
  }
}

/** Resolves a validated spec into the concrete network. `resolvePath` turns a chaincode path into an absolute one. */
export function buildNetwork(spec: NetworkSpecValues, resolvePath: (p: string) => string): Network {
  const ports = new PortAllocator(spec.ports.base);
  const ordererDomain = spec.domain;
  const ordererNodes = Array.from({ length: spec.orderers.nodes }, (_, i): OrdererNode => {
    const name = `orderer${i}`;
    return { name, fqdn: `${name}.${ordererDomain}`, listen: ports.take(), cluster: ports.take(), admin: ports.take(), operations: ports.take() };
  });
  const organizations = spec.organizations.map((org): Organization => {
    const domain = `${org.name.toLowerCase()}.${spec.domain}`;
    const peers = Array.from({ length: org.peers }, (_, i): PeerNode => {
      const name = `peer${i}`;
      return { name, fqdn: `${name}.${domain}`, org: org.name, listen: ports.take(), chaincode: ports.take(), operations: ports.take() };
    });
    return { name: org.name, mspId: `${org.name}MSP`, domain, peers };
  });
  const chaincodes = spec.chaincodes.map((cc): Chaincode => {
    const slot = (name: 'blue' | 'green'): ChaincodeSlot => {
      const endpoints = new Map(organizations.map((org) => [org.name, ports.take()] as const));
      const balancerMetrics = new Map(organizations.map((org) => [org.name, ports.take()] as const));
      const replicas = organizations.flatMap((org) =>
        Array.from({ length: cc.replicas }, (_, index): ChaincodeReplica => ({
          name: `${chaincodeService(cc.name)}-${name}-${org.name.toLowerCase()}-${index}`,
          org: org.name,
          index,
          listen: ports.take(),
          ...(cc.sidecar ? { sidecar: { listen: ports.take(), metrics: ports.take() } } : {}),
        })),
      );
      return { name, endpoints, balancerMetrics, replicas };
    };
    const slots = [slot('blue'), slot('green')] as const;
    return { name: cc.name, service: chaincodeService(cc.name), path: resolvePath(cc.path), version: cc.version, sidecar: cc.sidecar, slots };
  });
  // last in the port order, so adding the stack to a spec moves no other port
  const observability: Observability | undefined = spec.observability
    ? {
        exporter: { listen: ports.take() },
        prometheus: ports.take(),
        jaeger: { otlp: ports.take(), query: ports.take(), queryGrpc: ports.take(), health: ports.take() },
      }
    : undefined;
  return {
    name: spec.name,
    fabric: spec.fabric,
    batchTimeoutMs: spec.orderers.batchTimeoutMs,
    domain: spec.domain,
    channel: spec.channel.name,
    ordererOrg: { name: spec.orderers.org, mspId: `${spec.orderers.org}MSP`, domain: ordererDomain, nodes: ordererNodes },
    organizations,
    chaincodes,
    ...(observability ? { observability } : {}),
  };
}

/** Every port the network listens on, with the component that owns it (for clash reports); an owner starts with its process's name. */
export function listeners(network: Network): { owner: string; endpoint: Endpoint }[] {
  const out: { owner: string; endpoint: Endpoint }[] = [];
  for (const o of network.ordererOrg.nodes) {
    out.push({ owner: `${o.fqdn} listen`, endpoint: o.listen }, { owner: `${o.fqdn} cluster`, endpoint: o.cluster }, { owner: `${o.fqdn} admin`, endpoint: o.admin }, { owner: `${o.fqdn} operations`, endpoint: o.operations });
  }
  for (const org of network.organizations) {
    for (const p of org.peers) {
      out.push({ owner: `${p.fqdn} listen`, endpoint: p.listen }, { owner: `${p.fqdn} chaincode`, endpoint: p.chaincode }, { owner: `${p.fqdn} operations`, endpoint: p.operations });
    }
  }
  for (const cc of network.chaincodes) {
    for (const slot of cc.slots) {
      for (const [org, ep] of slot.endpoints) out.push({ owner: `${cc.service}-${slot.name}-${org.toLowerCase()}-endpoint`, endpoint: ep });
      for (const [org, ep] of slot.balancerMetrics) out.push({ owner: `${cc.service}-${slot.name}-${org.toLowerCase()}-endpoint metrics`, endpoint: ep });
      for (const r of slot.replicas) {
        out.push({ owner: `${r.name}`, endpoint: r.listen });
        if (r.sidecar) out.push({ owner: `${r.name} sidecar`, endpoint: r.sidecar.listen }, { owner: `${r.name} sidecar metrics`, endpoint: r.sidecar.metrics });
      }
    }
  }
  const obs = network.observability;
  if (obs) {
    out.push({ owner: 'mictract-exporter', endpoint: obs.exporter.listen });
    out.push({ owner: 'prometheus', endpoint: obs.prometheus });
    out.push(
      { owner: 'jaeger otlp', endpoint: obs.jaeger.otlp },
      { owner: 'jaeger query', endpoint: obs.jaeger.query },
      { owner: 'jaeger query-grpc', endpoint: obs.jaeger.queryGrpc },
      { owner: 'jaeger health', endpoint: obs.jaeger.health },
    );
  }
  return out;
}
