import { common } from '@hyperledger/fabric-protos';
import { boundedArgs } from './boundedtext';
import { decodeConfigEnvelope } from './configdecoder';
import type { ChannelConfigInfo, ChaincodeEventInfo, DecodedBlock, DecodedTransaction, Identity, KeyRead, KeyWrite, MalformedEnvelope, NamespaceRwSet } from './decodedblock';
import { ProtoReader, utf8 } from './protoreader';
import { NOT_VALIDATED, validationCodeName } from './validationcode';

// The project's one reader of Fabric blocks. Envelopes are walked with a minimal protobuf wire reader
// (protoreader.ts; field numbers as in fabric-protos, noted at each message), several times faster
// than google-protobuf objects; channel configurations, rare and deep, go through fabric-protos.
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
// The envelope is walked as offsets into its bytes (fieldsOf, ProtoReader.message): views are made
// only of what a transaction keeps (its read/write set bytes, its arguments).
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

/** Decodes a block from its protobuf bytes (Block { header = 1, data = 2, metadata = 3 }). */
export function decodeBlockBytes(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBlock {
  let header: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  const metadata: Uint8Array[] = [];
  for (const r = new ProtoReader(bytes); r.next(); ) {
    if (r.field === 1) header = r.bytes();
    else if (r.field === 2) repeatedBytes(bytes, r.lengthDelimited(), r.valueEnd, 1, data);
    else if (r.field === 3) repeatedBytes(bytes, r.lengthDelimited(), r.valueEnd, 1, metadata);
    else r.skip();
  }
  if (!header) throw new Error('block without a header');
  let number = 0;
  let previousHash: Uint8Array = new Uint8Array();
  let dataHash: Uint8Array = new Uint8Array();
  for (const r = new ProtoReader(header); r.next(); ) {
    if (r.field === 1) number = r.uint();
    else if (r.field === 2) previousHash = r.bytes();
    else if (r.field === 3) dataHash = r.bytes();
    else r.skip();
  }
  return decodeParts({ number, previousHash, dataHash }, data, metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER], options);
}

/** Decodes a block deserialized by google-protobuf (as the Fabric Gateway's block events deliver it). */
export function decodeBlock(block: common.Block, options: DecodeOptions = {}): DecodedBlock {
  const header = block.getHeader();
  if (!header) throw new Error('block without a header');
  const data = block.getData()?.getDataList_asU8() ?? [];
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  return decodeParts({ number: header.getNumber(), previousHash: header.getPreviousHash_asU8(), dataHash: header.getDataHash_asU8() }, data, filter, options);
}

/** Views of every occurrence of the bytes field `field` of the message buf[start, end), pushed on `into`. */
function repeatedBytes(buf: Uint8Array, start: number, end: number, field: number, into: Uint8Array[]): void {
  for (const r = new ProtoReader(buf, start, end); r.next(); ) {
    if (r.field === field) into.push(r.bytes());
    else r.skip();
  }
}

function decodeParts(
  header: { number: number; previousHash: Uint8Array; dataHash: Uint8Array },
  data: readonly Uint8Array[],
  filter: Uint8Array | undefined,
  options: DecodeOptions,
): DecodedBlock {
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
    number: header.number,
    previousHash: u8(header.previousHash),
    dataHash: u8(header.dataHash),
    size,
    transactions,
    malformed,
    ...(config ? { config } : {}),
  };
}

function u8(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The length-delimited fields 1..wanted of the message buf[start, end), the last occurrence of each:
 * field f starts at at[2f] and ends at at[2f + 1] (-1 when absent). `at` is shared scratch: copy what
 * you need before the next call.
 */
const at = new Int32Array(16);
function fieldsOf(buf: Uint8Array, start: number, end: number, wanted: number): Int32Array {
  at.fill(-1, 0, 2 * wanted + 2);
  for (const r = new ProtoReader(buf, start, end); r.next(); ) {
    if (r.field <= wanted && r.wire === 2) {
      at[2 * r.field] = r.lengthDelimited();
      at[2 * r.field + 1] = r.valueEnd;
    } else r.skip();
  }
  return at;
}

/** Decodes one envelope of a block; throws when it is malformed. */
export function decodeEnvelope(bytes: Uint8Array, position: number, validationCode: number, options: DecodeOptions = {}): { transaction: DecodedTransaction; config?: ChannelConfigInfo } {
  let f = fieldsOf(bytes, 0, bytes.length, 1); // Envelope { payload = 1, signature = 2 }
  if (f[2]! < 0) throw new Error('envelope without a payload');
  f = fieldsOf(bytes, f[2]!, f[3]!, 2); // Payload { header = 1, data = 2 }
  if (f[2]! < 0) throw new Error('payload without a header');
  const dataStart = f[4]!;
  const dataEnd = f[5]!;
  f = fieldsOf(bytes, f[2]!, f[3]!, 2); // Header { channel_header = 1, signature_header = 2 }
  if (f[2]! < 0) throw new Error('payload header without a channel header');
  const signatureHeaderStart = f[4]!;
  const signatureHeaderEnd = f[5]!;
  // ChannelHeader { type = 1, version = 2, timestamp = 3, channel_id = 4, tx_id = 5, epoch = 6, extension = 7, tls_cert_hash = 8 }
  let typeCode = 0;
  let timestampMs: number | undefined;
  let channel = '';
  let txId = '';
  for (const r = new ProtoReader(bytes, f[2]!, f[3]!); r.next(); ) {
    if (r.field === 1) typeCode = r.int32();
    else if (r.field === 3) timestampMs = timestampToMs(r.message());
    else if (r.field === 4) channel = intern(r.string());
    else if (r.field === 5) txId = r.string();
    else r.skip();
  }
  // SignatureHeader { creator = 1, nonce = 2 }
  if (signatureHeaderStart >= 0) f = fieldsOf(bytes, signatureHeaderStart, signatureHeaderEnd, 1);
  const creatorStart = signatureHeaderStart >= 0 ? f[2]! : -1;
  const creatorEnd = signatureHeaderStart >= 0 ? f[3]! : -1;
  // built field by field, not with object spreads: this runs for every transaction of every block
  const tx: Mutable<DecodedTransaction> = { position, txId, type: HEADER_TYPE_NAMES.get(typeCode) ?? `TYPE_${typeCode}`, channel, validationCode, validationCodeName: validationCodeName(validationCode), args: NONE, endorsers: NONE, rwsets: NONE, events: NONE, size: bytes.length };
  if (timestampMs !== undefined) tx.timestampMs = timestampMs;
  if (creatorEnd > creatorStart) tx.creator = identityAt(bytes, creatorStart, creatorEnd);
  if (typeCode === common.HeaderType.ENDORSER_TRANSACTION) {
    if (dataStart >= 0) decodeEndorserTransaction(bytes, dataStart, dataEnd, options, tx);
    else decodeEndorserTransaction(EMPTY, 0, 0, options, tx);
    return { transaction: tx };
  }
  if (typeCode === common.HeaderType.CONFIG) {
    return { transaction: tx, config: decodeConfigEnvelope(dataStart >= 0 ? bytes.subarray(dataStart, dataEnd) : EMPTY) };
  }
  return { transaction: tx };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const NONE: readonly never[] = Object.freeze([]);
const EMPTY = new Uint8Array();

/**
 * Channel, chaincode, namespace and function names repeat in every transaction: the decoded string is
 * swapped for the one seen first, so the transactions the ledger index keeps share one copy. Bounded
 * (a flood of distinct names only stops the sharing).
 */
const interned = new Map<string, string>();
function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size < 4096) interned.set(s, s);
  return s;
}

/** google.protobuf.Timestamp { seconds = 1, nanos = 2 } in milliseconds. */
function timestampToMs(r: ProtoReader): number {
  let seconds = 0;
  let nanos = 0;
  while (r.next()) {
    if (r.field === 1) seconds = r.uint();
    else if (r.field === 2) nanos = r.int32();
    else r.skip();
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/**
 * Identities seen lately, most recent first. A channel has few creators and endorsers, so nearly every
 * identity is one of these: comparing bytes is cheaper than decoding the certificate into a new string,
 * and the shared string keeps the certificate maps downstream cheap (its hash is computed once).
 */
const recentIdentities: { bytes: Buffer; identity: Identity }[] = [];
const RECENT_IDENTITIES = 32;

/** A serialized identity (SerializedIdentity { mspid = 1, id_bytes = 2 }): MSP ID and, for X.509 identities, the PEM certificate. */
export function decodeIdentity(bytes: Uint8Array): Identity {
  return identityAt(bytes, 0, bytes.length);
}

/** The identity serialized in buf[start, end). */
function identityAt(buf: Uint8Array, start: number, end: number): Identity {
  for (let i = 0; i < recentIdentities.length; i++) {
    const seen = recentIdentities[i]!;
    if (seen.bytes.length === end - start && seen.bytes.compare(buf, start, end) === 0) {
      if (i > 0) {
        recentIdentities.splice(i, 1);
        recentIdentities.unshift(seen);
      }
      return seen.identity;
    }
  }
  const bytes = buf.subarray(start, end);
  let mspId = '';
  let idBytes: Uint8Array = new Uint8Array();
  for (const r = new ProtoReader(bytes); r.next(); ) {
    if (r.field === 1) mspId = r.string();
    else if (r.field === 2) idBytes = r.bytes();
    else r.skip();
  }
  const text = u8(idBytes).toString('utf8');
  const identity: Identity = { mspId, ...(text.startsWith('-----BEGIN') ? { certificate: text } : {}) };
  recentIdentities.unshift({ bytes: Buffer.from(bytes), identity });
  if (recentIdentities.length > RECENT_IDENTITIES) recentIdentities.pop();
  return identity;
}

/** The name in a ChaincodeID { path = 1, name = 2, version = 3 }. */
function chaincodeName(buf: Uint8Array, start: number, end: number): string | undefined {
  if (start < 0) return undefined;
  for (const r = new ProtoReader(buf, start, end); r.next(); ) {
    if (r.field === 2) return intern(r.string());
    r.skip();
  }
  return undefined;
}

/** Chaincode name and arguments from ChaincodeProposalPayload { input = 1: ChaincodeInvocationSpec { chaincode_spec = 1 } }. */
function invocation(buf: Uint8Array, start: number, end: number): { chaincode?: string; args: Uint8Array[] } {
  let f = fieldsOf(buf, start, end, 1);
  if (f[2]! < 0) return { args: [] };
  f = fieldsOf(buf, f[2]!, f[3]!, 1);
  if (f[2]! < 0) return { args: [] };
  // ChaincodeSpec { type = 1, chaincode_id = 2, input = 3: ChaincodeInput { args = 1 (repeated), decorations = 2, is_init = 3 }, timeout = 4 }
  f = fieldsOf(buf, f[2]!, f[3]!, 3);
  const idStart = f[4]!;
  const idEnd = f[5]!;
  const args: Uint8Array[] = [];
  if (f[6]! >= 0) repeatedBytes(buf, f[6]!, f[7]!, 1, args);
  const chaincode = chaincodeName(buf, idStart, idEnd);
  return { ...(chaincode ? { chaincode } : {}), args };
}

/** Fills in the endorser transaction's chaincode, function, arguments, endorsers, read/write sets, events and response status from the Transaction in buf[start, end). */
function decodeEndorserTransaction(buf: Uint8Array, start: number, end: number, options: DecodeOptions, tx: Mutable<DecodedTransaction>): void {
  const actions: number[] = []; // start and end of each
  for (const r = new ProtoReader(buf, start, end); r.next(); ) {
    // Transaction { actions = 1 }
    if (r.field === 1) actions.push(r.lengthDelimited(), r.valueEnd);
    else r.skip();
  }
  if (actions.length === 0) throw new Error('endorser transaction without actions');
  // Fabric's gateway and SDKs put one action in a transaction; a second would be the same chaincode's.
  let first = true;
  const endorsers: Identity[] = [];
  const rwsets: NamespaceRwSet[] = [];
  const events: ChaincodeEventInfo[] = [];
  const rwsetBytes: Uint8Array[] = [];
  for (let a = 0; a < actions.length; a += 2) {
    let f = fieldsOf(buf, actions[a]!, actions[a + 1]!, 2); // TransactionAction { header = 1, payload = 2 }
    if (f[4]! < 0) throw new Error('transaction action without a payload');
    f = fieldsOf(buf, f[4]!, f[5]!, 2); // ChaincodeActionPayload { chaincode_proposal_payload = 1, action = 2 }
    const proposalStart = f[2]!;
    const proposalEnd = f[3]!;
    if (f[4]! < 0) throw new Error('chaincode action payload without an endorsed action');
    // ChaincodeEndorsedAction { proposal_response_payload = 1, endorsements = 2 (repeated Endorsement { endorser = 1, signature = 2 }) }
    let responseStart = -1;
    let responseEnd = -1;
    for (const r = new ProtoReader(buf, f[4]!, f[5]!); r.next(); ) {
      if (r.field === 1) {
        responseStart = r.lengthDelimited();
        responseEnd = r.valueEnd;
      } else if (r.field === 2) {
        const e = fieldsOf(buf, r.lengthDelimited(), r.valueEnd, 1);
        if (e[2]! >= 0) endorsers.push(identityAt(buf, e[2]!, e[3]!));
      } else r.skip();
    }
    // ProposalResponsePayload { proposal_hash = 1, extension = 2 }
    if (responseStart >= 0) f = fieldsOf(buf, responseStart, responseEnd, 2);
    // ChaincodeAction { results = 1, events = 2, response = 3: Response { status = 1 }, chaincode_id = 4 }
    if (responseStart >= 0 && f[4]! >= 0) f = fieldsOf(buf, f[4]!, f[5]!, 4);
    else f.fill(-1, 0, 10);
    const resultsStart = f[2]!;
    const resultsEnd = f[3]!;
    const eventStart = f[4]!;
    const eventEnd = f[5]!;
    const responseStatusStart = f[6]!;
    const responseStatusEnd = f[7]!;
    const idStart = f[8]!;
    const idEnd = f[9]!;
    if (resultsStart >= 0) {
      decodeRwSets(buf, resultsStart, resultsEnd, rwsets);
      rwsetBytes.push(buf.subarray(resultsStart, resultsEnd));
    }
    if (eventEnd > eventStart) events.push(decodeEvent(new ProtoReader(buf, eventStart, eventEnd)));
    if (first) {
      first = false;
      const invoked = proposalStart >= 0 ? invocation(buf, proposalStart, proposalEnd) : { args: [] as Uint8Array[] };
      const chaincode = invoked.chaincode || chaincodeName(buf, idStart, idEnd);
      if (chaincode) tx.chaincode = chaincode;
      const args = invoked.args;
      if (args.length) tx.function = intern(u8(args[0]!).toString('utf8'));
      tx.args = boundedArgs(args.slice(1), options.maxArgs, options.maxArgBytes);
      if (responseStatusStart >= 0) {
        let status = 0;
        for (const r = new ProtoReader(buf, responseStatusStart, responseStatusEnd); r.next(); ) r.field === 1 ? (status = r.int32()) : r.skip();
        tx.responseStatus = status;
      }
    }
  }
  tx.endorsers = endorsers;
  tx.rwsets = rwsets;
  if (rwsetBytes.length) tx.rwsetBytes = rwsetBytes.length === 1 ? rwsetBytes[0] : Buffer.concat(rwsetBytes);
  tx.events = events.length ? events : NONE;
}

/** ChaincodeEvent { chaincode_id = 1, tx_id = 2, event_name = 3, payload = 4 }. */
function decodeEvent(r: ProtoReader): ChaincodeEventInfo {
  let chaincode = '';
  let name = '';
  let payloadSize = 0;
  while (r.next()) {
    if (r.field === 1) chaincode = r.string();
    else if (r.field === 3) name = r.string();
    else if (r.field === 4) payloadSize = r.size();
    else r.skip();
  }
  return { chaincode, name, payloadSize };
}

/** The read/write sets in TxReadWriteSet bytes (a transaction's `rwsetBytes`), as the decoder gives them in `rwsets`. */
export function decodeRwSetBytes(bytes: Uint8Array): NamespaceRwSet[] {
  const out: NamespaceRwSet[] = [];
  decodeRwSets(bytes, 0, bytes.length, out);
  return out;
}

/**
 * TxReadWriteSet { data_model = 1, ns_rwset = 2 (repeated NsReadWriteSet { namespace = 1, rwset = 2: KVRWSet, collection_hashed_rwset = 3 { collection_name = 1 } }) }
 * in buf[start, end). The keys read are decoded for every transaction, though only a conflict's are
 * used: decoding them when first asked for (an own getter per object) measured no faster in the replay.
 */
function decodeRwSets(buf: Uint8Array, start: number, end: number, out: NamespaceRwSet[]): void {
  for (const r = new ProtoReader(buf, start, end); r.next(); ) {
    if (r.field !== 2) {
      r.skip();
      continue;
    }
    let namespace = '';
    let kvStart = -1;
    let kvEnd = -1;
    let collections: string[] | undefined;
    for (const n = r.message(); n.next(); ) {
      if (n.field === 1) namespace = intern(n.string());
      else if (n.field === 2) {
        kvStart = n.lengthDelimited();
        kvEnd = n.valueEnd;
      } else if (n.field === 3) {
        const c = fieldsOf(buf, n.lengthDelimited(), n.valueEnd, 1);
        (collections ??= []).push(c[2]! >= 0 ? utf8(buf, c[2]!, c[3]!) : '');
      } else n.skip();
    }
    out.push(decodeKvRwSet(buf, kvStart, kvEnd, namespace, collections ?? NONE));
  }
}

/** KVRWSet { reads = 1 { key = 1, version = 2 { block_num = 1, tx_num = 2 } }, range_queries_info = 2, writes = 3 { key = 1, is_delete = 2, value = 3 }, metadata_writes = 4 }. */
function decodeKvRwSet(buf: Uint8Array, start: number, end: number, namespace: string, collections: readonly string[]): NamespaceRwSet {
  const reads: KeyRead[] = [];
  const writes: KeyWrite[] = [];
  let rangeQueries = 0;
  if (start >= 0) {
    for (const r = new ProtoReader(buf, start, end); r.next(); ) {
      if (r.field === 1) reads.push(readOf(r.message()));
      else if (r.field === 2) {
        r.skip();
        rangeQueries++;
      } else if (r.field === 3) {
        let key = '';
        let isDelete = false;
        let valueSize = 0;
        for (const w = r.message(); w.next(); ) {
          if (w.field === 1) key = w.string();
          else if (w.field === 2) isDelete = w.bool();
          else if (w.field === 3) valueSize = w.size();
          else w.skip();
        }
        writes.push({ key, isDelete, valueSize });
      } else r.skip();
    }
  }
  return { namespace, reads, writes, rangeQueries, collections };
}

/** One KVRead. */
function readOf(k: ProtoReader): KeyRead {
  let key = '';
  let version: KeyRead['version'];
  while (k.next()) {
    if (k.field === 1) key = k.string();
    else if (k.field === 2) {
      let blockNumber = 0;
      let txNumber = 0;
      for (const v = k.message(); v.next(); ) {
        if (v.field === 1) blockNumber = v.uint();
        else if (v.field === 2) txNumber = v.uint();
        else v.skip();
      }
      version = { blockNumber, txNumber };
    } else k.skip();
  }
  return version ? { key, version } : { key };
}
