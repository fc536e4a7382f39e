import type { SpecIssue } from './specerror';
import type { NetworkSpecValues } from './schema';

// What `up` will do to a running network when its spec has changed, in words, and what it refuses
// before changing anything: the spec last applied is compared with the spec now. Fabric allows
// members to join a running channel (orgs, peers, Raft consenters) and chaincodes to be redefined;
// it does not let an org be renamed (its name is its MSP ID in every block) or the last orderer go.

export interface ChangePlan {
  /** Nothing recorded yet: `up` creates the network. */
  readonly create: boolean;
  readonly addOrderers: readonly string[];
  readonly addOrganizations: readonly string[];
  /** New peers of orgs already there, as fqdn-less names: "Org1 peer1". */
  readonly addPeers: readonly string[];
  readonly chaincodes: readonly string[];
  readonly other: readonly string[];
  readonly refused: readonly SpecIssue[];
}

export function isEmptyPlan(p: ChangePlan): boolean {
  return !p.create && p.addOrderers.length + p.addOrganizations.length + p.addPeers.length + p.chaincodes.length + p.other.length === 0;
}

const START_OVER = '`mictract down <name> --purge` and `mictract up` start the network over with it';

export function planChanges(applied: NetworkSpecValues | undefined, next: NetworkSpecValues): ChangePlan {
  const plan = { create: false, addOrderers: [] as string[], addOrganizations: [] as string[], addPeers: [] as string[], chaincodes: [] as string[], other: [] as string[], refused: [] as SpecIssue[] };
  if (!applied) return { ...plan, create: true };
  const refuse = (field: string, value: unknown, message: string) => plan.refused.push({ field, value, message });

  // what identifies the network and every block in it
  if (applied.fabric !== next.fabric) refuse('fabric', next.fabric, `the network runs Fabric ${applied.fabric}; a running network keeps its Fabric line. Set fabric back to "${applied.fabric}", or ${START_OVER}`);
  if (applied.domain !== next.domain) refuse('domain', next.domain, `every certificate of the network names ${applied.domain}; set it back, or ${START_OVER}`);
  if (applied.channel.name !== next.channel.name) refuse('channel.name', next.channel.name, `the network's channel is ${applied.channel.name} and a channel cannot be renamed; set it back, or ${START_OVER}`);
  if (applied.orderers.org !== next.orderers.org) refuse('orderers.org', next.orderers.org, `the orderer org is ${applied.orderers.org} in every block; it cannot be renamed. Set it back`);
  if (applied.ports.base !== next.ports.base) refuse('ports.base', next.ports.base, `every running member listens at an offset from ${applied.ports.base}; moving them all is not a live change. Set it back, or ${START_OVER}`);
  if (applied.orderers.batchTimeoutMs !== next.orderers.batchTimeoutMs) refuse('orderers.batchTimeoutMs', next.orderers.batchTimeoutMs, `changing the batch timeout of a running channel is not supported yet; set it back to ${applied.orderers.batchTimeoutMs}`);

  // orderers: grow only
  if (next.orderers.nodes < applied.orderers.nodes) {
    refuse('orderers.nodes', next.orderers.nodes, `the network has ${applied.orderers.nodes} Raft orderers; removing consenters from a running network is not supported (and the last one can never go). Set it back to ${applied.orderers.nodes} or more`);
  }
  for (let i = applied.orderers.nodes; i < next.orderers.nodes; i++) plan.addOrderers.push(`orderer${i}.${next.domain}`);

  // organizations: the ones there stay, in their order, with at least their peers; new ones come last
  const order = applied.organizations.map((o) => o.name);
  const reordered = order.every((n) => next.organizations.some((o) => o.name === n)) && order.some((n, i) => next.organizations[i]?.name !== n);
  if (reordered) refuse('organizations', next.organizations.map((o) => o.name), `organizations must keep their order (${order.join(', ')}); add new ones at the end`);
  if (!reordered) applied.organizations.forEach((org, i) => {
    const now = next.organizations[i];
    if (!now) {
      refuse('organizations', next.organizations.map((o) => o.name), `${org.name} is a member of the channel; removing an organization is not supported. Keep ${applied.organizations.map((o) => o.name).join(', ')} first in the list, in that order, and add new ones after`);
    } else if (now.name !== org.name) {
      refuse(`organizations[${i}].name`, now.name, `renaming ${org.name} is not possible: an organization's name is its MSP ID (${org.name}MSP) in the channel and in every block. Set it back to ${org.name} and add ${now.name} as a new organization at the end`);
    } else if (now.peers < org.peers) {
      refuse(`organizations[${i}].peers`, now.peers, `${org.name} runs ${org.peers} peers; removing a peer is not supported. Set it back to ${org.peers} or more`);
    } else {
      for (let p = org.peers; p < now.peers; p++) plan.addPeers.push(`${org.name} peer${p}`);
    }
  });
  next.organizations.slice(applied.organizations.length).forEach((org) => plan.addOrganizations.push(`${org.name} (${org.peers} peer${org.peers === 1 ? '' : 's'})`));

  // chaincodes: new ones deploy, changed ones are redefined blue/green; a committed one cannot go
  for (const cc of applied.chaincodes) {
    if (!next.chaincodes.some((c) => c.name === cc.name)) {
      refuse('chaincodes', next.chaincodes.map((c) => c.name), `${cc.name} is committed on ${applied.channel.name}, and a channel cannot forget a chaincode definition; keep its entry (it may change version or replicas)`);
    }
  }
  for (const cc of next.chaincodes) {
    const was = applied.chaincodes.find((c) => c.name === cc.name);
    if (!was) plan.chaincodes.push(`deploy ${cc.name} ${cc.version} (${cc.replicas} replica${cc.replicas === 1 ? '' : 's'} per org)`);
    else {
      if (was.version !== cc.version) plan.chaincodes.push(`upgrade ${cc.name} ${was.version} → ${cc.version} (blue/green)`);
      if (was.replicas !== cc.replicas) plan.chaincodes.push(`${cc.name}: ${was.replicas} → ${cc.replicas} replicas per org`);
      if (was.sidecar !== cc.sidecar) plan.chaincodes.push(`${cc.name}: sidecars ${cc.sidecar ? 'on' : 'off'}`);
    }
  }
  const orgsChanged = plan.addOrganizations.length > 0;
  if (orgsChanged) {
    for (const cc of next.chaincodes.filter((c) => applied.chaincodes.some((a) => a.name === c.name))) {
      plan.chaincodes.push(`${cc.name}: endorsement policy to a majority of ${next.organizations.map((o) => o.name).join(', ')} (new sequence, blue/green)`);
    }
  }
  if (applied.observability !== next.observability) plan.other.push(next.observability ? 'start the exporter, Prometheus and Jaeger' : 'observability off: the exporter, Prometheus and Jaeger are no longer started (running ones are left)');
  return plan;
}

/** The plan in words, one line per change. */
export function describePlan(name: string, p: ChangePlan): string {
  if (p.refused.length > 0) return `refused: nothing changed on ${name}`;
  if (p.create) return `create network ${name}`;
  if (isEmptyPlan(p)) return `${name} already matches the spec: nothing to change`;
  const lines = [
    ...p.addOrderers.map((o) => `add orderer ${o}: start it, join the channel as a follower, then add it to the Raft consenters`),
    ...p.addOrganizations.map((o) => `add organization ${o}: crypto material, its MSP and anchor peer in the channel configuration (signed by the admins of the orgs there), its peers join`),
    ...p.addPeers.map((x) => `add ${x}: start it, join the channel, install the chaincodes; it catches up from the orderers`),
    ...p.chaincodes,
    ...p.other,
  ];
  return `changes to ${name}:\n${lines.map((l) => `  + ${l}`).join('\n')}`;
}
