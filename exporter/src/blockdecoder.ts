import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { boundedArgs } from './boundedtext';
import { decodeConfigEnvelope } from './configdecoder';
import type { ChannelConfigInfo, ChaincodeEventInfo, DecodedBlock, DecodedTransaction, Identity, KeyRead, KeyWrite, MalformedEnvelope, NamespaceRwSet } from './decodedblock';
import { NOT_VALIDATED, validationCodeName } from './validationcode';

// The project's one reader of Fabric blocks (fabric-protos, google-protobuf underneath).
//
//   Block { header {number, previous_hash, data_hash}, data [Envelope bytes], metadata [..] }
//   Envelope { payload: Payload bytes, signature }
//   Payload { header { channel_header: ChannelHeader bytes, signature_header: SignatureHeader bytes }, data }
//     ENDORSER_TRANSACTION: data = Transaction { actions [ { header, payload: ChaincodeActionPayload } ] }
//       ChaincodeActionPayload { chaincode_proposal_payload: ChaincodeProposalPayload { input: ChaincodeInvocationSpec },
//                                action: ChaincodeEndorsedAction { proposal_response_payload, endorsements [] } }
//       ProposalResponsePayload { extension: ChaincodeAction { results: TxReadWriteSet, events: ChaincodeEvent, response } }
//     CONFIG: data = ConfigEnvelope (configdecoder.ts)
//   metadata[TRANSACTIONS_FILTER]: one validation code byte per envelope.
//
// Fabric 2.5 and 3.x blocks share this layout; 3.x BFT orderers add signatures to metadata[SIGNATURES],
// which the decoder does not need. An envelope that does not decode is reported in `malformed` and
// skipped; the rest of the block still decodes.

const HEADER_TYPE_NAMES = new Map<number, string>(Object.entries(common.HeaderType).map(([name, code]) => [code as number, name]));

export interface DecodeOptions {
  /** The channel, when the caller knows it (used if no envelope says). */
  readonly channel?: string;
  readonly maxArgs?: number;
  readonly maxArgBytes?: number;
}

/** Decodes a block from its protobuf bytes. */
export function decodeBlockBytes(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBlock {
  return decodeBlock(common.Block.deserializeBinary(bytes), options);
}

export function decodeBlock(block: common.Block, options: DecodeOptions = {}): DecodedBlock {
  const header = block.getHeader();
  if (!header) throw new Error('block without a header');
  const data = block.getData()?.getDataList_asU8() ?? [];
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  const transactions: DecodedTransaction[] = [];
  const malformed: MalformedEnvelope[] = [];
  let config: ChannelConfigInfo | undefined;
  let size = 0;
  data.forEach((envelope, position) => {
    size += envelope.length;
    const code = filter && position < filter.length ? filter[position]! : NOT_VALIDATED;
    try {
      const decoded = decodeEnvelope(envelope, position, code, options);
      transactions.push(decoded.transaction);
      if (decoded.config) config = decoded.config;
    } catch (err) {
      malformed.push({ position, reason: (err as Error).message || String(err) });
    }
  });
  return {
    channel: transactions[0]?.channel || options.channel || '',
    number: header.getNumber(),
    previousHash: u8(header.getPreviousHash_asU8()),
    dataHash: u8(header.getDataHash_asU8()),
    size,
    transactions,
    malformed,
    ...(config ? { config } : {}),
  };
}

function u8(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes one envelope of a block; throws when it is malformed. */
export function decodeEnvelope(bytes: Uint8Array, position: number, validationCode: number, options: DecodeOptions = {}): { transaction: DecodedTransaction; config?: ChannelConfigInfo } {
  const envelope = common.Envelope.deserializeBinary(bytes);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const payloadHeader = payload.getHeader();
  if (!payloadHeader) throw new Error('payload without a header');
  const channelHeader = common.ChannelHeader.deserializeBinary(payloadHeader.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(payloadHeader.getSignatureHeader_asU8());
  const typeCode = channelHeader.getType();
  const timestamp = channelHeader.getTimestamp();
  const creatorBytes = signatureHeader.getCreator_asU8();
  const base = {
    position,
    txId: channelHeader.getTxId(),
    type: HEADER_TYPE_NAMES.get(typeCode) ?? `TYPE_${typeCode}`,
    channel: channelHeader.getChannelId(),
    ...(timestamp ? { timestampMs: timestamp.getSeconds() * 1000 + Math.floor(timestamp.getNanos() / 1e6) } : {}),
    ...(creatorBytes.length ? { creator: decodeIdentity(creatorBytes) } : {}),
    validationCode,
    validationCodeName: validationCodeName(validationCode),
    size: bytes.length,
  };
  if (typeCode === common.HeaderType.ENDORSER_TRANSACTION) {
    return { transaction: { ...base, ...decodeEndorserTransaction(payload.getData_asU8(), options) } };
  }
  const empty = { args: [], endorsers: [], rwsets: [], events: [] };
  if (typeCode === common.HeaderType.CONFIG) {
    return { transaction: { ...base, ...empty }, config: decodeConfigEnvelope(payload.getData_asU8()) };
  }
  return { transaction: { ...base, ...empty } };
}

/**
 * Identities seen lately, most recent first. A channel has few creators and endorsers, so nearly every
 * identity is one of these: comparing bytes is cheaper than decoding the certificate into a new string,
 * and the shared string keeps the certificate maps downstream cheap (its hash is computed once).
 */
const recentIdentities: { bytes: Buffer; identity: Identity }[] = [];
const RECENT_IDENTITIES = 32;

/** A serialized identity: MSP ID and, for X.509 identities, the PEM certificate. */
export function decodeIdentity(bytes: Uint8Array): Identity {
  for (let i = 0; i < recentIdentities.length; i++) {
    const seen = recentIdentities[i]!;
    if (seen.bytes.equals(bytes)) {
      if (i > 0) {
        recentIdentities.splice(i, 1);
        recentIdentities.unshift(seen);
      }
      return seen.identity;
    }
  }
  const serialized = msp.SerializedIdentity.deserializeBinary(bytes);
  const idBytes = serialized.getIdBytes_asU8();
  const text = Buffer.from(idBytes.buffer, idBytes.byteOffset, idBytes.byteLength).toString('utf8');
  const identity: Identity = { mspId: serialized.getMspid(), ...(text.startsWith('-----BEGIN') ? { certificate: text } : {}) };
  recentIdentities.unshift({ bytes: Buffer.from(bytes), identity });
  if (recentIdentities.length > RECENT_IDENTITIES) recentIdentities.pop();
  return identity;
}

type EndorserParts = Pick<DecodedTransaction, 'chaincode' | 'function' | 'args' | 'endorsers' | 'rwsets' | 'events' | 'responseStatus'>;

function decodeEndorserTransaction(data: Uint8Array, options: DecodeOptions): EndorserParts {
  const tx = peer.Transaction.deserializeBinary(data);
  const actions = tx.getActionsList();
  if (actions.length === 0) throw new Error('endorser transaction without actions');
  // Fabric's gateway and SDKs put one action in a transaction; a second would be the same chaincode's.
  let parts: EndorserParts | undefined;
  const endorsers: Identity[] = [];
  const rwsets: NamespaceRwSet[] = [];
  const events: ChaincodeEventInfo[] = [];
  for (const action of actions) {
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const proposalPayload = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
    const invocation = peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8());
    const spec = invocation.getChaincodeSpec();
    const args = spec?.getInput()?.getArgsList_asU8() ?? [];
    const endorsed = actionPayload.getAction();
    if (!endorsed) throw new Error('chaincode action payload without an endorsed action');
    for (const endorsement of endorsed.getEndorsementsList()) endorsers.push(decodeIdentity(endorsement.getEndorser_asU8()));
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    rwsets.push(...decodeRwSets(chaincodeAction.getResults_asU8()));
    const eventBytes = chaincodeAction.getEvents_asU8();
    if (eventBytes.length) {
      const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
      events.push({ chaincode: event.getChaincodeId(), name: event.getEventName(), payloadSize: event.getPayload_asU8().length });
    }
    if (!parts) {
      const chaincode = spec?.getChaincodeId()?.getName() || chaincodeAction.getChaincodeId()?.getName();
      const status = chaincodeAction.getResponse()?.getStatus();
      parts = {
        ...(chaincode ? { chaincode } : {}),
        ...(args.length ? { function: Buffer.from(args[0]!).toString('utf8') } : {}),
        args: boundedArgs(args.slice(1), options.maxArgs, options.maxArgBytes),
        endorsers,
        rwsets,
        events,
        ...(status !== undefined ? { responseStatus: status } : {}),
      };
    }
  }
  return parts!;
}

function decodeRwSets(results: Uint8Array): NamespaceRwSet[] {
  if (!results.length) return [];
  const txRwSet = ledger.rwset.TxReadWriteSet.deserializeBinary(results);
  return txRwSet.getNsRwsetList().map((ns) => {
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
    const reads: KeyRead[] = kv.getReadsList().map((r) => {
      const v = r.getVersion();
      return { key: r.getKey(), ...(v ? { version: { blockNumber: v.getBlockNum(), txNumber: v.getTxNum() } } : {}) };
    });
    const writes: KeyWrite[] = kv.getWritesList().map((w) => ({ key: w.getKey(), isDelete: w.getIsDelete(), valueSize: w.getValue_asU8().length }));
    return {
      namespace: ns.getNamespace(),
      reads,
      writes,
      rangeQueries: kv.getRangeQueriesInfoList().length,
      collections: ns.getCollectionHashedRwsetList().map((c) => c.getCollectionName()),
    };
  });
}
