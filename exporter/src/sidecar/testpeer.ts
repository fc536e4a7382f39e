// Test and bench support (not used by the sidecar): a stand-in for the Fabric peer on one chaincode
// stream. It dials a chaincode server (a replica, or a sidecar in front of one) the way a peer does
// with CCaaS, answers REGISTER with REGISTERED and READY, sends TRANSACTION messages with a signed-
// proposal-shaped proposal, and answers the chaincode's state calls from an in-memory world state.
// A successful invocation's writes are committed at once (with history), a failed one's dropped.
import { createHash, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

// google-protobuf ships no types; fabric-protos' declarations refer to this class.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb') as {
  Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void };
};

const T = peer.ChaincodeMessage.Type;

export interface TestPeerTls {
  readonly rootCert: Buffer;
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
}

export interface TestPeerOptions {
  readonly tls?: TestPeerTls;
  readonly channel?: string;
  readonly mspId?: string;
  /** PEM certificate of the proposals' creator; fabric-contract-api parses it for ctx.clientIdentity. */
  readonly creatorCert: Buffer;
  /** Milliseconds to wait for REGISTER. */
  readonly timeoutMs?: number;
}

/** What the chaincode answered. */
export interface InvokeResult {
  readonly type: 'COMPLETED' | 'ERROR';
  /** Response.status (COMPLETED), 0 for ERROR. */
  readonly status: number;
  readonly message: string;
  readonly payload: string;
}

interface Mod {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  seconds: number;
}

interface Pending {
  resolve(r: InvokeResult): void;
  reject(e: Error): void;
  writes: Map<string, Buffer | undefined>;
}

/** Fabric's tx ID rule: hex SHA-256 of nonce ‖ creator. */
export function txIdOf(nonce: Buffer, creator: Buffer): string {
  return createHash('sha256').update(nonce).update(creator).digest('hex');
}

export class TestPeer {
  /** The chaincode ID the chaincode registered with. */
  registeredAs = '';
  /** Committed world state, and every committed change per key. */
  readonly state = new Map<string, Buffer>();
  readonly history = new Map<string, Mod[]>();
  /** Resolves with the stream's final status (OK or the error the peer would log). */
  readonly closed: Promise<grpc.StatusObject>;
  private readonly pending = new Map<string, Pending>();
  private readonly channel: string;
  private readonly creator: Buffer;
  private commits = 0;

  private constructor(
    private readonly client: peer.ChaincodeClient,
    private readonly stream: grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>,
    options: TestPeerOptions,
  ) {
    this.channel = options.channel ?? 'mychannel';
    const id = new msp.SerializedIdentity();
    id.setMspid(options.mspId ?? 'Org1MSP');
    id.setIdBytes(options.creatorCert);
    this.creator = Buffer.from(id.serializeBinary());
    this.closed = new Promise((resolve) => stream.on('status', resolve));
    stream.on('error', (err: grpc.ServiceError) => {
      for (const p of this.pending.values()) p.reject(new Error(`stream failed: ${err.message}`));
      this.pending.clear();
    });
  }

  /** Dials `address`, waits for REGISTER and answers REGISTERED, READY. Rejects with the stream's error. */
  static async connect(address: string, options: TestPeerOptions): Promise<TestPeer> {
    const creds = options.tls
      ? grpc.credentials.createSsl(options.tls.rootCert, options.tls.clientKey ?? null, options.tls.clientCert ?? null)
      : grpc.credentials.createInsecure();
    const client = new peer.ChaincodeClient(address, creds, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
      // TLS names the server "localhost" (testcerts has it as a SAN): Node deprecates an IP as the SNI name.
      ...(options.tls ? { 'grpc.ssl_target_name_override': 'localhost' } : {}),
    });
    const stream = client.connect();
    const p = new TestPeer(client, stream, options);
    const timeoutMs = options.timeoutMs ?? 20_000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no REGISTER from ${address} within ${timeoutMs} ms`)), timeoutMs);
        stream.once('error', (err: Error) => {
          clearTimeout(timer);
          reject(err);
        });
        stream.once('data', (msg: peer.ChaincodeMessage) => {
          clearTimeout(timer);
          if (msg.getType() !== T.REGISTER) return reject(new Error(`expected REGISTER, got type ${msg.getType()}`));
          p.registeredAs = peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8()).getName();
          stream.on('data', (m: peer.ChaincodeMessage) => p.onMessage(m));
          p.send(T.REGISTERED, '', new Uint8Array());
          p.send(T.READY, '', new Uint8Array());
          resolve();
        });
      });
    } catch (err) {
      p.close();
      throw err;
    }
    return p;
  }

  /**
   * Sends one TRANSACTION (or INIT) and resolves with the chaincode's COMPLETED or ERROR.
   * `nonce` fixes the tx ID (Fabric's rule), so two runs can be compared; `rawInput` replaces the
   * encoded ChaincodeInput (fn and args then only shape the proposal), for malformed-input tests.
   */
  invoke(fn: string, args: readonly string[], opts: { nonce?: Buffer; init?: boolean; rawInput?: Uint8Array } = {}): { txId: string; result: Promise<InvokeResult> } {
    const nonce = opts.nonce ?? randomBytes(24);
    const txId = txIdOf(nonce, this.creator);
    const input = new peer.ChaincodeInput();
    input.setArgsList([fn, ...args].map((a) => Buffer.from(a)));
    const msg = this.message(opts.init ? T.INIT : T.TRANSACTION, txId, opts.rawInput ?? input.serializeBinary());
    msg.setProposal(this.proposal(txId, nonce, input));
    const result = new Promise<InvokeResult>((resolve, reject) => this.pending.set(txId, { resolve, reject, writes: new Map() }));
    this.stream.write(msg);
    return { txId, result };
  }

  /** Cancels the stream, as a peer going away does. */
  close(): void {
    this.stream.cancel();
    this.client.close();
  }

  private message(type: number, txId: string, payload: Uint8Array): peer.ChaincodeMessage {
    const m = new peer.ChaincodeMessage();
    m.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
    m.setTxid(txId);
    m.setChannelId(txId ? this.channel : '');
    m.setPayload(payload);
    return m;
  }

  private send(type: number, txId: string, payload: Uint8Array): void {
    this.stream.write(this.message(type, txId, payload));
  }

  private proposal(txId: string, nonce: Buffer, input: peer.ChaincodeInput): peer.SignedProposal {
    const ts = new Timestamp();
    ts.setSeconds(Math.floor(Date.now() / 1000));
    ts.setNanos(0);
    const ch = new common.ChannelHeader();
    ch.setType(common.HeaderType.ENDORSER_TRANSACTION);
    ch.setChannelId(this.channel);
    ch.setTxId(txId);
    ch.setEpoch(0);
    ch.setTimestamp(ts as never);
    const sh = new common.SignatureHeader();
    sh.setCreator(this.creator);
    sh.setNonce(nonce);
    const header = new common.Header();
    header.setChannelHeader(ch.serializeBinary());
    header.setSignatureHeader(sh.serializeBinary());
    const spec = new peer.ChaincodeSpec();
    spec.setInput(input);
    const invocation = new peer.ChaincodeInvocationSpec();
    invocation.setChaincodeSpec(spec);
    const payload = new peer.ChaincodeProposalPayload();
    payload.setInput(invocation.serializeBinary());
    const proposal = new peer.Proposal();
    proposal.setHeader(header.serializeBinary());
    proposal.setPayload(payload.serializeBinary());
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(proposal.serializeBinary());
    signed.setSignature(new Uint8Array());
    return signed;
  }

  private onMessage(msg: peer.ChaincodeMessage): void {
    const txId = msg.getTxid();
    const tx = this.pending.get(txId);
    const payload = msg.getPayload_asU8();
    switch (msg.getType()) {
      case T.COMPLETED: {
        if (!tx) return;
        this.pending.delete(txId);
        const res = peer.Response.deserializeBinary(payload);
        if (res.getStatus() < 400) this.commit(txId, tx.writes);
        tx.resolve({ type: 'COMPLETED', status: res.getStatus(), message: res.getMessage(), payload: Buffer.from(res.getPayload_asU8()).toString('utf8') });
        return;
      }
      case T.ERROR:
        if (!tx) return;
        this.pending.delete(txId);
        tx.resolve({ type: 'ERROR', status: 0, message: Buffer.from(payload).toString('utf8'), payload: '' });
        return;
      case T.KEEPALIVE:
        return;
    }
    if (!tx) return this.send(T.ERROR, txId, Buffer.from(`no transaction ${txId} in progress`));
    try {
      this.send(T.RESPONSE, txId, this.answer(msg.getType(), payload, tx));
    } catch (err) {
      this.send(T.ERROR, txId, Buffer.from((err as Error).message));
    }
  }

  private answer(type: number, payload: Uint8Array, tx: Pending): Uint8Array {
    switch (type) {
      case T.GET_STATE:
        return this.state.get(peer.GetState.deserializeBinary(payload).getKey()) ?? new Uint8Array();
      case T.PUT_STATE: {
        const m = peer.PutState.deserializeBinary(payload);
        tx.writes.set(m.getKey(), Buffer.from(m.getValue_asU8()));
        return new Uint8Array();
      }
      case T.DEL_STATE:
        tx.writes.set(peer.DelState.deserializeBinary(payload).getKey(), undefined);
        return new Uint8Array();
      case T.GET_STATE_BY_RANGE: {
        const m = peer.GetStateByRange.deserializeBinary(payload);
        const [start, end] = [m.getStartkey(), m.getEndkey()];
        const keys = [...this.state.keys()].filter((k) => k >= start && (end === '' || k < end)).sort();
        return this.page(
          keys.map((k) => {
            const kv = new ledger.queryresult.KV();
            kv.setKey(k);
            kv.setValue(this.state.get(k)!);
            return kv.serializeBinary();
          }),
        );
      }
      case T.GET_HISTORY_FOR_KEY: {
        const mods = this.history.get(peer.GetHistoryForKey.deserializeBinary(payload).getKey()) ?? [];
        return this.page(
          [...mods].reverse().map((mod) => {
            const km = new ledger.queryresult.KeyModification();
            km.setTxId(mod.txId);
            km.setValue(mod.value);
            km.setIsDelete(mod.isDelete);
            const ts = new Timestamp();
            ts.setSeconds(mod.seconds);
            ts.setNanos(0);
            km.setTimestamp(ts as never);
            return km.serializeBinary();
          }),
        );
      }
      case T.QUERY_STATE_NEXT:
      case T.QUERY_STATE_CLOSE:
        return this.page([]);
      default:
        throw new Error(`the test peer does not answer message type ${type}`);
    }
  }

  /** All results in one page: the iterator never needs QUERY_STATE_NEXT. */
  private page(results: Uint8Array[]): Uint8Array {
    const res = new peer.QueryResponse();
    res.setResultsList(
      results.map((r) => {
        const b = new peer.QueryResultBytes();
        b.setResultbytes(r);
        return b;
      }),
    );
    res.setHasMore(false);
    res.setId('1');
    return res.serializeBinary();
  }

  private commit(txId: string, writes: Map<string, Buffer | undefined>): void {
    // A fixed clock (one second per commit from 2026-01-01) keeps history comparable between runs.
    const seconds = 1_767_225_600 + ++this.commits;
    for (const [key, value] of writes) {
      if (value === undefined) this.state.delete(key);
      else this.state.set(key, value);
      const mods = this.history.get(key) ?? [];
      mods.push({ txId, value: value ?? Buffer.alloc(0), isDelete: value === undefined, seconds });
      this.history.set(key, mods);
    }
  }
}
