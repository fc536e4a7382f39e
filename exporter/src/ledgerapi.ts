import { common } from '@hyperledger/fabric-protos';
import { readFile, stat } from 'node:fs/promises';
import { decodeBlock } from './blockdecoder';
import type { CertificateTracker } from './certificatetracker';
import { ChainVerifier } from './chainverifier';
import type { IndexedBlock, IndexedTransaction, LedgerIndex } from './ledgerindex';
import { isTxId } from './traceidentity';

// The read-only ledger API (documented in ../openapi.yaml, checked against it by ledgerapi.test.ts):
// channels, blocks newest first, one block, one transaction, a key's history, the top conflicting
// keys, certificates, chaincode pods. Recent blocks come from the exporter's in-memory index; older
// ones, and transactions not held, from the peer through qscc. Every parameter is checked before use
// (400 with a message); unknown things are 404. Request values are only ever map keys or numbers:
// none reaches a file path, a shell or a query string of another service.

export interface ChannelStatus {
  readonly name: string;
  /** Blocks the exporter has processed. */
  readonly height: number;
  /** The peer's height, when known. */
  readonly peerHeight?: number;
}

export interface LedgerApiSources {
  readonly index: LedgerIndex;
  readonly certificates: CertificateTracker;
  channels(): ChannelStatus[];
  /** A block from the peer (qscc GetBlockByNumber). */
  fetchBlock?(channel: string, number: number): Promise<Uint8Array>;
  /** The block holding a transaction, from the peer (qscc GetBlockByTxID). */
  fetchBlockByTxId?(channel: string, txId: string): Promise<Uint8Array>;
  /** The JSON file listing the chaincode pods (the local target writes it). */
  readonly podsFile?: string;
  /** Or the pods from the Kubernetes API (src/kubernetespods.ts), when the exporter runs in a cluster. */
  readonly clusterPods?: { list(): readonly object[] };
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export const API_PREFIX = '/api/v1';
const MAX_PAGE = 100;
const MAX_KEY_LENGTH = 1024;
const MAX_PODS_FILE = 1 << 20;
const CHAINCODE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;
const CHANNEL = /^[a-z][a-z0-9.-]{0,248}$/;
const NUMBER = /^(0|[1-9][0-9]{0,15})$/;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string) => new ApiError(400, message);
const notFound = (message: string) => new ApiError(404, message);

function blockNumber(raw: string, what: string): number {
  if (!NUMBER.test(raw) || !Number.isSafeInteger(Number(raw))) throw bad(`${what} must be a block number: a non-negative integer below 2^53 without sign or leading zeros (got ${JSON.stringify(raw.slice(0, 40))})`);
  return Number(raw);
}

function limit(raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  if (!NUMBER.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE) throw bad(`limit must be an integer from 1 to ${MAX_PAGE} (got ${JSON.stringify(raw.slice(0, 40))})`);
  return Number(raw);
}

function txView(channel: string, tx: IndexedTransaction) {
  return {
    txId: tx.txId,
    channel,
    blockNumber: tx.blockNumber,
    position: tx.position,
    type: tx.type,
    timestamp: tx.timestampMs === undefined ? null : new Date(tx.timestampMs).toISOString(),
    creator: tx.creator ?? null,
    chaincode: tx.chaincode ?? null,
    function: tx.function ?? null,
    args: tx.args,
    validationCode: tx.validationCodeName,
    validationCodeNumber: tx.validationCode,
    responseStatus: tx.responseStatus ?? null,
    endorsers: tx.endorsers,
    rwsets: tx.rwsets,
    events: tx.events,
    size: tx.size,
  };
}

function blockView(block: IndexedBlock, source: 'index' | 'peer', withTransactions: boolean) {
  return {
    channel: block.channel,
    number: block.number,
    previousHash: block.previousHash,
    dataHash: block.dataHash,
    headerHash: block.headerHash,
    size: block.size,
    transactionCount: block.transactions.length,
    malformedEnvelopes: block.malformedEnvelopes,
    verification: block.verification,
    receivedAt: source === 'index' ? new Date(block.receivedAtMs).toISOString() : null,
    source,
    ...(block.configSequence !== undefined ? { configSequence: block.configSequence } : {}),
    ...(withTransactions ? { transactions: block.transactions.map((t) => txView(block.channel, t)) } : {}),
  };
}

export class LedgerApi {
  constructor(private readonly sources: LedgerApiSources) {}

  /** Answers one GET; `url` is the request's path and query. Never throws. */
  async handle(method: string, url: string): Promise<ApiResponse> {
    try {
      if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'the ledger API is read-only: GET only');
      return { status: 200, body: await this.route(url) };
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: { error: err.message } };
      return { status: 500, body: { error: 'internal error' } };
    }
  }

  private async route(url: string): Promise<unknown> {
    if (url.length > 4096) throw bad('request URL too long');
    let parsed: URL;
    try {
      parsed = new URL(url, 'http://localhost');
    } catch {
      throw bad('malformed URL');
    }
    if (!parsed.pathname.startsWith(API_PREFIX + '/') && parsed.pathname !== API_PREFIX) throw notFound(`no such resource; the API is under ${API_PREFIX}`);
    let segments: string[];
    try {
      segments = parsed.pathname.slice(API_PREFIX.length).split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      throw bad('malformed percent-encoding in the path');
    }
    const q = parsed.searchParams;
    const [first, channelName, kind, ...rest] = segments;
    if (first === 'channels' && channelName === undefined) return { channels: this.sources.channels() };
    if (first === 'certificates' && channelName === undefined) return { certificates: this.sources.certificates.list() };
    if (first === 'pods' && channelName === undefined) return this.pods();
    if (first === 'transactions' && channelName !== undefined && kind === undefined) return this.transaction(undefined, channelName);
    if (first !== 'channels' || channelName === undefined) throw notFound('no such resource');
    const channel = this.channel(channelName);
    if (kind === undefined) return this.sources.channels().find((c) => c.name === channel);
    if (kind === 'blocks' && rest.length === 0) return this.blocks(channel, limit(q.get('limit'), 20), q.get('before'));
    if (kind === 'blocks' && rest.length === 1) return this.block(channel, blockNumber(rest[0]!, 'block number'));
    if (kind === 'transactions' && rest.length === 1) return this.transaction(channel, rest[0]!);
    if (kind === 'conflicts' && rest.length === 0) return { channel, conflicts: this.sources.index.topConflictingKeys(channel, limit(q.get('limit'), 10)), indexedFrom: this.sources.index.firstIndexed(channel) ?? null };
    if (kind === 'chaincodes' && rest.length === 4 && rest[1] === 'keys' && rest[3] === 'history') return this.history(channel, rest[0]!, rest[2]!);
    throw notFound('no such resource');
  }

  private channel(name: string): string {
    if (!CHANNEL.test(name)) throw bad(`not a channel name: ${JSON.stringify(name.slice(0, 60))}`);
    if (!this.sources.channels().some((c) => c.name === name)) throw notFound(`channel ${name} is not exported here`);
    return name;
  }

  private height(channel: string): number {
    return this.sources.channels().find((c) => c.name === channel)?.height ?? 0;
  }

  private async blocks(channel: string, pageSize: number, beforeRaw: string | null) {
    const height = this.height(channel);
    const before = beforeRaw === null ? height : Math.min(blockNumber(beforeRaw, 'before'), height);
    const blocks = [];
    for (let n = before - 1; n >= 0 && blocks.length < pageSize; n--) {
      blocks.push(await this.findBlock(channel, n, false));
    }
    const last = blocks.at(-1)?.number;
    return { channel, height, blocks, next: last !== undefined && last > 0 ? last : null };
  }

  private async block(channel: string, number: number) {
    if (number >= this.height(channel)) throw notFound(`block ${number} of ${channel} is not processed yet (height ${this.height(channel)})`);
    return this.findBlock(channel, number, true);
  }

  private async findBlock(channel: string, number: number, withTransactions: boolean) {
    const held = this.sources.index.block(channel, number);
    if (held) return blockView(held, 'index', withTransactions);
    if (!this.sources.fetchBlock) throw notFound(`block ${number} of ${channel} is no longer held in memory`);
    const bytes = await this.sources.fetchBlock(channel, number).catch((err: Error) => {
      throw new ApiError(502, `the peer did not return block ${number}: ${err.message.split('\n')[0]}`);
    });
    return blockView(this.fromPeer(channel, bytes), 'peer', withTransactions);
  }

  private fromPeer(channel: string, bytes: Uint8Array): IndexedBlock {
    const block = common.Block.deserializeBinary(bytes);
    const header = block.getHeader()!;
    const verification = new ChainVerifier().verify(
      { number: header.getNumber(), previousHash: header.getPreviousHash_asU8(), dataHash: header.getDataHash_asU8() },
      block.getData()?.getDataList_asU8() ?? [],
    );
    return this.sources.index.describe(decodeBlock(block, { channel }), verification, Date.now());
  }

  private async transaction(channel: string | undefined, txId: string) {
    if (!isTxId(txId)) throw bad(`not a transaction ID (64 lower-case hex characters): ${JSON.stringify(txId.slice(0, 80))}`);
    const held = this.sources.index.transaction(txId, channel);
    if (held) return txView(held.channel, held.tx);
    if (this.sources.fetchBlockByTxId) {
      for (const name of channel ? [channel] : this.sources.channels().map((c) => c.name)) {
        const bytes = await this.sources.fetchBlockByTxId(name, txId).catch(() => undefined);
        const tx = bytes && this.fromPeer(name, bytes).transactions.find((t) => t.txId === txId);
        if (tx) return txView(name, tx);
      }
    }
    throw notFound(`transaction ${txId} not found`);
  }

  private history(channel: string, chaincode: string, key: string) {
    if (!CHAINCODE.test(chaincode)) throw bad(`not a chaincode name: ${JSON.stringify(chaincode.slice(0, 60))}`);
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw bad(`key must have 1 to ${MAX_KEY_LENGTH} characters`);
    const writes = this.sources.index.keyHistory(channel, chaincode, key);
    if (!writes) throw notFound(`no writes of key ${JSON.stringify(key.slice(0, 80))} by ${chaincode} seen since block ${this.sources.index.firstIndexed(channel) ?? 0}`);
    return {
      channel,
      chaincode,
      key,
      indexedFrom: this.sources.index.firstIndexed(channel) ?? null,
      writes: writes.map((w) => ({ ...w, timestamp: w.timestampMs === undefined ? null : new Date(w.timestampMs).toISOString() })),
    };
  }

  private async pods() {
    if (this.sources.clusterPods) return { pods: this.sources.clusterPods.list(), source: 'kubernetes' };
    const file = this.sources.podsFile;
    if (!file) return { pods: [], source: null };
    let pods: unknown;
    try {
      if ((await stat(file)).size > MAX_PODS_FILE) throw new Error('too large');
      pods = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { pods: [], source: 'file' };
      throw new ApiError(502, 'the pods file cannot be read');
    }
    const list = Array.isArray(pods) ? pods : Array.isArray((pods as { pods?: unknown })?.pods) ? (pods as { pods: unknown[] }).pods : undefined;
    if (!list || !list.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p))) throw new ApiError(502, 'the pods file is not a list of objects');
    return { pods: list, source: 'file' };
  }
}
