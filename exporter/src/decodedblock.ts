// What the block decoder makes of a Fabric block: plain data, no protobuf objects, so the exporter's
// metrics, spans, index and ledger API read it without knowing the wire format.

/** An identity as it appears in a block: the MSP and its X.509 certificate (PEM), when there is one. */
export interface Identity {
  readonly mspId: string;
  /** PEM, or undefined for a non-X.509 (idemix) identity. */
  readonly certificate?: string;
}

export interface KeyRead {
  readonly key: string;
  /** The version read: the block and tx that last wrote the key; undefined when the key did not exist. */
  readonly version?: { readonly blockNumber: number; readonly txNumber: number };
}

export interface KeyWrite {
  readonly key: string;
  readonly isDelete: boolean;
  /** The value's size in bytes (values themselves are not kept). */
  readonly valueSize: number;
}

/** The public read/write set of one namespace (a chaincode, or _lifecycle). */
export interface NamespaceRwSet {
  readonly namespace: string;
  readonly reads: readonly KeyRead[];
  readonly writes: readonly KeyWrite[];
  readonly rangeQueries: number;
  /** Private data collections touched (their hashed rwsets only travel in the block). */
  readonly collections: readonly string[];
}

export interface ChaincodeEventInfo {
  readonly chaincode: string;
  readonly name: string;
  readonly payloadSize: number;
}

export interface DecodedTransaction {
  /** Position of the envelope in the block's data, from 0. */
  readonly position: number;
  readonly txId: string;
  /** The channel header's type: ENDORSER_TRANSACTION, CONFIG, ... */
  readonly type: string;
  readonly channel: string;
  /** The client's timestamp from the channel header, in milliseconds since the epoch (undefined if unset). */
  readonly timestampMs?: number;
  readonly creator?: Identity;
  readonly validationCode: number;
  readonly validationCodeName: string;
  /** Chaincode name, for an endorser transaction. */
  readonly chaincode?: string;
  /** The first chaincode argument (the function name, "Contract:fn" for fabric-contract-api). */
  readonly function?: string;
  /** The remaining arguments, each cut to a bounded size (see boundedtext.ts). */
  readonly args: readonly string[];
  readonly endorsers: readonly Identity[];
  readonly rwsets: readonly NamespaceRwSet[];
  /**
   * The protobuf bytes `rwsets` was decoded from: the TxReadWriteSet of each action, one after the other
   * (concatenated messages merge, so decodeRwSetBytes gives `rwsets` again). A view into the block's
   * bytes, or undefined when the transaction carries none. The ledger index keeps a copy of these
   * instead of `rwsets`, and decodes them again when the ledger API asks.
   */
  readonly rwsetBytes?: Uint8Array;
  readonly events: readonly ChaincodeEventInfo[];
  /** The chaincode's response status in the endorsed action (200 for success). */
  readonly responseStatus?: number;
  /** Size of the envelope in bytes. */
  readonly size: number;
}

/** A certificate found in a channel configuration's MSP definitions. */
export interface ConfigCertificate {
  readonly mspId: string;
  /** ca, intermediate_ca, tls_ca, tls_intermediate_ca or admin. */
  readonly role: CertificateRole;
  /** PEM. */
  readonly certificate: string;
}

export type CertificateRole = 'ca' | 'intermediate_ca' | 'tls_ca' | 'tls_intermediate_ca' | 'admin' | 'creator' | 'endorser';

export interface ChannelConfigInfo {
  readonly sequence: number;
  readonly msps: readonly string[];
  readonly certificates: readonly ConfigCertificate[];
}

/** An envelope that could not be decoded: counted and skipped. */
export interface MalformedEnvelope {
  readonly position: number;
  readonly reason: string;
}

export interface DecodedBlock {
  readonly channel: string;
  readonly number: number;
  readonly previousHash: Buffer;
  readonly dataHash: Buffer;
  /** Size of the block's data (all envelopes) in bytes. */
  readonly size: number;
  readonly transactions: readonly DecodedTransaction[];
  readonly malformed: readonly MalformedEnvelope[];
  /** The channel configuration, when this is a config block. */
  readonly config?: ChannelConfigInfo;
}
