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
  /** The Node.js inspector (a debugger: loopback only), when the chaincode's spec has `profile: true`. */
  readonly inspector?: Endpoint;
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
  /** Replicas run with their Node.js inspector on loopback, for `mictract profile`. */
  readonly profile: boolean;
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

/**
 * Where each member's ports sit, as offsets from the spec's base. Members are laid out by role and
 * index in regions sized for the spec's limits, never handed out in sequence: growing a running
 * network (another org, peer, orderer, replica or chaincode) moves no port of a member already there.
 */
export const PORT_LAYOUT = {
  observability: 0, // exporter, Prometheus, Jaeger ×4
  orderers: 10, // 4 per orderer, at most 5
  perOrderer: 4,
  organizations: 30, // 3 per peer, 4 peers per org, at most 5 orgs
  perOrganization: 12,
  perPeer: 3,
  chaincodes: 100, // per chaincode: 2 slots × 5 orgs × (endpoint, balancer metrics, 8 replicas × 4)
  perChaincode: 340,
  perChaincodeSlot: 170,
  perChaincodeOrg: 34,
  perReplica: 4, // replica, sidecar, sidecar metrics, one kept for the replica's inspector
} as const;

/** Resolves a validated spec into the concrete network. `resolvePath` turns a chaincode path into an absolute one. */
export function buildNetwork(spec: NetworkSpecValues, resolvePath: (p: string) => string): Network {
  const L = PORT_LAYOUT;
  const at = (offset: number): Endpoint => ({ host: LOOPBACK, port: spec.ports.base + offset });
  const ordererDomain = spec.domain;
  const ordererNodes = Array.from({ length: spec.orderers.nodes }, (_, i): OrdererNode => {
    const name = `orderer${i}`;
    const o = L.orderers + i * L.perOrderer;
    return { name, fqdn: `${name}.${ordererDomain}`, listen: at(o), cluster: at(o + 1), admin: at(o + 2), operations: at(o + 3) };
  });
  const organizations = spec.organizations.map((org, j): Organization => {
    const domain = `${org.name.toLowerCase()}.${spec.domain}`;
    const peers = Array.from({ length: org.peers }, (_, i): PeerNode => {
      const name = `peer${i}`;
      const o = L.organizations + j * L.perOrganization + i * L.perPeer;
      return { name, fqdn: `${name}.${domain}`, org: org.name, listen: at(o), chaincode: at(o + 1), operations: at(o + 2) };
    });
    return { name: org.name, mspId: `${org.name}MSP`, domain, peers };
  });
  const chaincodes = spec.chaincodes.map((cc, k): Chaincode => {
    const slot = (name: 'blue' | 'green', s: number): ChaincodeSlot => {
      const orgBase = (j: number) => L.chaincodes + k * L.perChaincode + s * L.perChaincodeSlot + j * L.perChaincodeOrg;
      const endpoints = new Map(organizations.map((org, j) => [org.name, at(orgBase(j))] as const));
      const balancerMetrics = new Map(organizations.map((org, j) => [org.name, at(orgBase(j) + 1)] as const));
      const replicas = organizations.flatMap((org, j) =>
        Array.from({ length: cc.replicas }, (_, index): ChaincodeReplica => {
          const o = orgBase(j) + 2 + index * L.perReplica;
          return {
            name: `${chaincodeService(cc.name)}-${name}-${org.name.toLowerCase()}-${index}`,
            org: org.name,
            index,
            listen: at(o),
            ...(cc.sidecar ? { sidecar: { listen: at(o + 1), metrics: at(o + 2) } } : {}),
            ...(cc.profile ? { inspector: at(o + 3) } : {}),
          };
        }),
      );
      return { name, endpoints, balancerMetrics, replicas };
    };
    const slots = [slot('blue', 0), slot('green', 1)] as const;
    return { name: cc.name, service: chaincodeService(cc.name), path: resolvePath(cc.path), version: cc.version, sidecar: cc.sidecar, profile: cc.profile, slots };
  });
  const observability: Observability | undefined = spec.observability
    ? {
        exporter: { listen: at(L.observability) },
        prometheus: at(L.observability + 1),
        jaeger: { otlp: at(L.observability + 2), query: at(L.observability + 3), queryGrpc: at(L.observability + 4), health: at(L.observability + 5) },
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
        if (r.inspector) out.push({ owner: `${r.name} inspector`, endpoint: r.inspector });
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
