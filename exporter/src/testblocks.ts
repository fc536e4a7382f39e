import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { createHash, randomBytes } from 'node:crypto';
import { blockDataHash, blockHeaderHash } from './blockhash';

// google-protobuf ships no type declarations; fabric-protos' ChannelHeader takes its Timestamp.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb') as { Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void } };

// Test and bench support: endorser-transaction envelopes and blocks built with fabric-protos the way
// a Fabric gateway and orderer lay them out (proposal → endorsed action → transaction → envelope;
// header hashes chained, TRANSACTIONS_FILTER metadata). Signatures are random bytes: the exporter
// never checks them.

export interface TestTx {
  readonly channel: string;
  readonly chaincode: string;
  readonly fn: string;
  readonly args?: readonly (string | Uint8Array)[];
  readonly mspId: string;
  /** PEM of the creator's (and endorser's) certificate. */
  readonly certificate: string;
  readonly timestampMs?: number;
  readonly txId?: string;
  readonly reads?: readonly { key: string; blockNumber?: number; txNumber?: number }[];
  readonly writes?: readonly { key: string; value?: string; isDelete?: boolean }[];
  readonly event?: { name: string; payload: string };
}

function identity(mspId: string, certificate: string): Uint8Array {
  const id = new msp.SerializedIdentity();
  id.setMspid(mspId);
  id.setIdBytes(Buffer.from(certificate));
  return id.serializeBinary();
}

/** A tx ID the way Fabric makes one: hex SHA-256 of nonce and creator. */
export function newTxId(creator: Uint8Array = randomBytes(16)): string {
  return createHash('sha256').update(randomBytes(24)).update(creator).digest('hex');
}

export function endorserEnvelope(tx: TestTx): { bytes: Uint8Array; txId: string } {
  const creator = identity(tx.mspId, tx.certificate);
  const txId = tx.txId ?? newTxId(creator);
  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(tx.chaincode);

  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setChannelId(tx.channel);
  channelHeader.setTxId(txId);
  const ts = new Timestamp();
  const ms = tx.timestampMs ?? Date.now();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos((ms % 1000) * 1e6);
  channelHeader.setTimestamp(ts as Parameters<common.ChannelHeader['setTimestamp']>[0]);
  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(chaincodeId);
  channelHeader.setExtension$(extension.serializeBinary());
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator);
  signatureHeader.setNonce(randomBytes(24));
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const input = new peer.ChaincodeInput();
  input.setArgsList([Buffer.from(tx.fn), ...(tx.args ?? []).map((a) => (typeof a === 'string' ? Buffer.from(a) : a))]);
  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const proposalPayload = new peer.ChaincodeProposalPayload();
  proposalPayload.setInput(invocation.serializeBinary());

  const kv = new ledger.rwset.kvrwset.KVRWSet();
  kv.setReadsList(
    (tx.reads ?? []).map((r) => {
      const read = new ledger.rwset.kvrwset.KVRead();
      read.setKey(r.key);
      if (r.blockNumber !== undefined) {
        const v = new ledger.rwset.kvrwset.Version();
        v.setBlockNum(r.blockNumber);
        v.setTxNum(r.txNumber ?? 0);
        read.setVersion(v);
      }
      return read;
    }),
  );
  kv.setWritesList(
    (tx.writes ?? []).map((w) => {
      const write = new ledger.rwset.kvrwset.KVWrite();
      write.setKey(w.key);
      write.setIsDelete(w.isDelete ?? false);
      if (w.value !== undefined) write.setValue(Buffer.from(w.value));
      return write;
    }),
  );
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace(tx.chaincode);
  ns.setRwset(kv.serializeBinary());
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  rwset.setNsRwsetList([ns]);

  const response = new peer.Response();
  response.setStatus(200);
  const action = new peer.ChaincodeAction();
  action.setResults(rwset.serializeBinary());
  action.setResponse(response);
  action.setChaincodeId(chaincodeId);
  if (tx.event) {
    const event = new peer.ChaincodeEvent();
    event.setChaincodeId(tx.chaincode);
    event.setTxId(txId);
    event.setEventName(tx.event.name);
    event.setPayload(Buffer.from(tx.event.payload));
    action.setEvents(event.serializeBinary());
  }
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setProposalHash(randomBytes(32));
  responsePayload.setExtension$(action.serializeBinary());
  const endorsement = new peer.Endorsement();
  endorsement.setEndorser(creator);
  endorsement.setSignature(randomBytes(70));
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  endorsed.setEndorsementsList([endorsement]);
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(proposalPayload.serializeBinary());
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setHeader(signatureHeader.serializeBinary());
  txAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([txAction]);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  envelope.setSignature(randomBytes(70));
  return { bytes: envelope.serializeBinary(), txId };
}

/** A block of the given envelopes, chained on `previousHash`, with one validation code per envelope. */
export function testBlock(number: number, previousHash: Uint8Array, envelopes: readonly Uint8Array[], codes: readonly number[]): common.Block {
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(previousHash);
  header.setDataHash(blockDataHash(envelopes));
  const data = new common.BlockData();
  data.setDataList([...envelopes]);
  const metadata = new common.BlockMetadata();
  const entries: Uint8Array[] = [new Uint8Array(), new Uint8Array(), Uint8Array.from(codes), new Uint8Array(), new Uint8Array()];
  metadata.setMetadataList(entries);
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

/** The header hash of a built block, for chaining the next one. */
export function headerHashOf(block: common.Block): Buffer {
  const h = block.getHeader()!;
  return blockHeaderHash(h.getNumber(), h.getPreviousHash_asU8(), h.getDataHash_asU8());
}
