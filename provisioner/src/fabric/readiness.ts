import { connectGateway } from '../gateway/client';
import { type Chaincode, type Network } from '../networkspec/network';
import { until } from '../until';
import { channelHeight } from './channel';

// After a chaincode definition is committed, Fabric is not ready for it everywhere at once: every
// peer must commit the block, and each org's gateway must hear through gossip that the other orgs'
// peers serve the new package before it can plan an endorsement. These waits close that window.

/** Waits until every peer's ledger is at least as high as the highest peer's. */
export async function waitPeersAtSameHeight(network: Network, timeoutMs = 60_000): Promise<number> {
  const peers = network.organizations.flatMap((o) => o.peers);
  const heights = () => Promise.all(peers.map((p) => channelHeight(network, p.operations)));
  const target = Math.max(...(await heights()));
  await until(async () => (await heights()).every((h) => h >= target), async () => `peers did not all reach height ${target}: ${(await heights()).join(', ')}`, timeoutMs);
  return target;
}

/**
 * Waits until the gateway of every org can plan an endorsement of the chaincode: a proposal for a
 * function no chaincode has is endorsed (never submitted) and must fail in the chaincode, not in
 * the gateway's "no combination of peers" planning.
 */
export async function waitEndorsable(network: Network, cryptoRoot: string, cc: Chaincode, timeoutMs = 60_000): Promise<void> {
  for (const org of network.organizations) {
    const conn = await connectGateway(network, cryptoRoot, { org: org.name });
    let last = '';
    try {
      const contract = conn.contract(cc.name);
      await until(
        async () => {
          try {
            await contract.newProposal('mictract:readinessProbe').endorse();
            return true;
          } catch (err) {
            last = (err as Error & { details?: { message: string }[] }).details?.map((d) => d.message).join('; ') || (err as Error).message;
            return !/no combination of peers|not installed|could not launch|cannot be found/i.test(`${(err as Error).message} ${last}`);
          }
        },
        () => `${cc.name} is committed but ${org.name}'s gateway cannot endorse it yet: ${last}`,
        timeoutMs,
      );
    } finally {
      conn.close();
    }
  }
}
