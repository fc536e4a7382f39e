// The exporter's ledger API (exporter/openapi.yaml), as the plugin reads it. Optional where the API
// may leave a field out; `null` where it says nullable.

export interface ApiError {
  error: string;
}

export interface Channel {
  name: string;
  height: number;
  peerHeight?: number;
}

export interface ChannelList {
  channels: Channel[];
}

export interface Verification {
  ok: boolean;
  failed: Array<'data_hash' | 'previous_hash'>;
  previousChecked: boolean;
}

export interface BlockSummary {
  channel: string;
  number: number;
  previousHash: string;
  dataHash: string;
  headerHash: string;
  size: number;
  transactionCount: number;
  malformedEnvelopes: number;
  verification: Verification;
  receivedAt: string | null;
  source: 'index' | 'peer';
  configSequence?: number;
}

export interface BlockPage {
  channel: string;
  height: number;
  blocks: BlockSummary[];
  next: number | null;
}

export interface Identity {
  mspId: string;
  subject?: string;
}

export interface ReadEntry {
  key: string;
  version?: { blockNumber: number; txNumber: number };
}

export interface WriteEntry {
  key: string;
  isDelete: boolean;
  valueSize: number;
}

export interface RwSet {
  namespace: string;
  reads: ReadEntry[];
  writes: WriteEntry[];
  rangeQueries: number;
  collections: string[];
}

export interface ChaincodeEvent {
  chaincode: string;
  name: string;
  payloadSize: number;
}

export interface Transaction {
  txId: string;
  channel: string;
  blockNumber: number;
  position: number;
  type: string;
  timestamp: string | null;
  creator: Identity | null;
  chaincode: string | null;
  function: string | null;
  args: string[];
  validationCode: string;
  validationCodeNumber: number;
  responseStatus: number | null;
  endorsers: Identity[];
  rwsets: RwSet[];
  events: ChaincodeEvent[];
  size: number;
}

export interface Block extends BlockSummary {
  transactions: Transaction[];
}

export interface KeyWrite {
  blockNumber: number;
  txNumber: number;
  txId: string;
  timestamp: string | null;
  timestampMs?: number;
  isDelete: boolean;
  valueSize: number;
}

export interface KeyHistory {
  channel: string;
  chaincode: string;
  key: string;
  indexedFrom: number | null;
  writes: KeyWrite[];
}

export interface ConflictingKey {
  chaincode: string;
  key: string;
  conflicts: number;
}

export interface Conflicts {
  channel: string;
  indexedFrom: number | null;
  conflicts: ConflictingKey[];
}

export type CertificateRole =
  'ca' | 'intermediate_ca' | 'tls_ca' | 'tls_intermediate_ca' | 'admin' | 'creator' | 'endorser';

export interface Certificate {
  mspId: string;
  role: CertificateRole;
  subject: string;
  issuer: string;
  serial: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  notAfterSeconds: number;
  channels: string[];
}

export interface CertificateList {
  certificates: Certificate[];
}

/** A chaincode pod as the exporter lists it (the local target's pods file, or the Kubernetes API in a cluster). */
export interface Pod {
  name: string;
  namespace?: string;
  chaincode?: string;
  org?: string;
  slot?: string;
  address?: string;
  sidecarMetrics?: string;
  /** The replica's Node.js inspector (loopback), when its chaincode has profile: true: the exporter can profile it. */
  inspector?: string;
  phase?: string;
  ready?: boolean;
  startedAt?: string;
  /** From the Kubernetes API only (the exporter in a cluster). */
  restarts?: number;
  node?: string;
  terminating?: boolean;
}

export interface PodList {
  pods: Pod[];
  /** Where the exporter got them: the local target's pods file, or the Kubernetes API. */
  source: 'file' | 'kubernetes' | null;
}
