import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { createPrivateKey } from 'node:crypto';
import type { BlockSource, CloseableBlocks } from './channelreader';

// A Fabric Gateway connection to one peer over TLS, as an organization's identity: the exporter's
// block streams and its qscc queries (chain height for the lag, blocks and transactions the ledger
// API does not hold in memory) go through it.

export interface PeerTarget {
  /** host:port of the peer's gateway (its listen address). */
  readonly endpoint: string;
  /** PEM of the CA that signed the peer's TLS certificate. */
  readonly tlsCaCert: Buffer;
  /** The name in the peer's TLS certificate, when it differs from the host dialled. */
  readonly hostnameOverride?: string;
}

export interface ClientIdentity {
  readonly mspId: string;
  /** PEM certificate. */
  readonly certificate: Buffer;
  /** PEM private key; it stays in memory, in the signer, and is never logged. */
  readonly privateKey: Buffer;
}

export class PeerConnection implements BlockSource {
  readonly client: grpc.Client;
  readonly gateway: Gateway;

  constructor(
    readonly target: PeerTarget,
    identity: ClientIdentity,
    private readonly timeoutMs = 10_000,
  ) {
    this.client = new grpc.Client(target.endpoint, grpc.credentials.createSsl(target.tlsCaCert), {
      ...(target.hostnameOverride ? { 'grpc.ssl_target_name_override': target.hostnameOverride, 'grpc.default_authority': target.hostnameOverride } : {}),
      // notice a dead peer on an idle block stream
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const deadline = () => ({ deadline: Date.now() + this.timeoutMs });
    this.gateway = connect({
      client: this.client,
      identity: { mspId: identity.mspId, credentials: identity.certificate },
      signer: signers.newPrivateKeySigner(createPrivateKey(identity.privateKey)),
      hash: hash.sha256,
      evaluateOptions: deadline,
      endorseOptions: deadline,
      submitOptions: deadline,
      commitStatusOptions: deadline,
    });
  }

  get name(): string {
    return this.target.endpoint;
  }

  /** Every block of the channel from `startBlock` on, as the peer commits them (Deliver, signed by the identity). */
  async blocks(channel: string, startBlock: number): Promise<CloseableBlocks> {
    return this.network(channel).getBlockEvents({ startBlock: BigInt(startBlock) });
  }

  network(channel: string): Network {
    return this.gateway.getNetwork(channel);
  }

  /** The peer's ledger height for the channel (qscc GetChainInfo). */
  async chainHeight(channel: string): Promise<number> {
    const bytes = await this.network(channel).getContract('qscc').evaluateTransaction('GetChainInfo', channel);
    return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
  }

  /** A block by number (qscc GetBlockByNumber), as protobuf bytes. */
  blockByNumber(channel: string, number: number): Promise<Uint8Array> {
    return this.network(channel).getContract('qscc').evaluateTransaction('GetBlockByNumber', channel, String(number));
  }

  /** The block holding a transaction (qscc GetBlockByTxID), as protobuf bytes. */
  blockByTxId(channel: string, txId: string): Promise<Uint8Array> {
    return this.network(channel).getContract('qscc').evaluateTransaction('GetBlockByTxID', channel, txId);
  }

  close(): void {
    this.gateway.close();
    this.client.close();
  }
}
