import path from 'node:path';
import { channelHeight, joinOrderers } from '../fabric/channel';
import { queryCommitted } from '../fabric/lifecycle';
import { fabricInstall } from '../fabricbinaries';
import { type TestNetwork, startTestNetwork } from '../testing/localnetwork';
import { until } from '../until';
import type { Cluster } from './cluster';
import { k8s } from './k8sclient';
import { ordererName, peerName } from './names';
import { forwardNetwork } from './portforward';
import { type TestCluster, startTestCluster } from './testcluster';

// The local target's channel and lifecycle code, unchanged, through port-forwards to kwok pods whose
// ports kwok's PortForward objects send to a real local network's orderer and peers (standing in for
// the containers kwok does not run): osnadmin's mutual TLS and the peer CLI's TLS pass through the API
// server's pods/portforward.

jest.setTimeout(300_000);

let cluster: TestCluster;
let c: Cluster;
let net: TestNetwork;

beforeAll(async () => {
  [net, cluster] = await Promise.all([startTestNetwork({ name: 'pfnet' }), startTestCluster({ portForwards: true })]);
  c = cluster.connect();
  await cluster.addNodes(1);
  const ns = net.network.name;
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as never);
  // one pod per node as its StatefulSet would name it; each port forwarded to the local process's same port
  const pods = [
    ...net.network.ordererOrg.nodes.map((o) => ({ pod: `${ordererName(o)}-0`, ports: [o.listen, o.admin, o.operations] })),
    ...net.network.organizations.flatMap((org) => org.peers.map((p) => ({ pod: `${peerName(org, p)}-0`, ports: [p.listen, p.operations] }))),
  ];
  for (const { pod, ports } of pods) {
    await c.objects.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: ns }, spec: { containers: [{ name: 'fabric', image: 'hyperledger/fabric:2.5.16' }] } } as never);
    await c.objects.create({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name: pod, namespace: ns },
      spec: { forwards: ports.map((e) => ({ ports: [e.port], target: { address: e.host, port: e.port } })) },
    } as never);
  }
  const core = c.kc.makeApiClient(k8s.CoreV1Api);
  await until(async () => {
    const items = (await core.listNamespacedPod({ namespace: ns })).items;
    return items.length === pods.length && items.every((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
  }, 'pods Ready', 60_000);
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), net?.destroy()]);
});

describe('channel and lifecycle code through port-forwards to kwok pods', () => {
  it('osnadmin (mutual TLS) and the peer CLI reach the real orderer and peer through the forwards', async () => {
    const fabric = await fabricInstall(net.network.fabric);
    const fwd = await forwardNetwork(c.kc, net.network.name, net.network);
    try {
      const o = fwd.network.ordererOrg.nodes[0]!;
      expect(o.admin.port).not.toBe(net.network.ordererOrg.nodes[0]!.admin.port);
      const block = path.join(net.dirs.channel, `${net.network.channel}.genesis.block`);
      // kwok learns of the PortForward objects through its watch: the first connections may find none
      let joined: number | undefined;
      await until(async () => {
        joined = await joinOrderers(fwd.network, fabric, net.dirs, block).catch(() => undefined);
        return joined !== undefined;
      }, 'osnadmin channel list through the forward', 30_000);
      // the orderer already has the channel (the local up joined it): listed through the forward, nothing to join
      expect(joined).toBe(0);
      expect(await queryCommitted(fwd.network, fabric, net.dirs, net.network.chaincodes[0]!)).toMatchObject({ version: '1.0', sequence: 1 });
      // the operations endpoint (plain HTTP) too: the channel's height as the local code reads it
      expect(await channelHeight(fwd.network, fwd.network.organizations[0]!.peers[0]!.operations)).toBeGreaterThan(0);
    } finally {
      await fwd.close();
    }
  });
});
