import { common } from '@hyperledger/fabric-protos';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { blockDataHash } from './blockhash';
import { decodeBlock, decodeBlockBytes, decodeRwSetBytes } from './blockdecoder';
import { endorserEnvelope, testBlock } from './testblocks';
import { sampleGenesisBlock } from './testfabric';
import { MVCC_READ_CONFLICT, VALID } from './validationcode';

jest.setTimeout(60_000);

const pemKey = (pem: string) => new X509Certificate(pem).fingerprint256;

describe('decodeBlock on a genesis block made by configtxgen', () => {
  let bytes: Buffer;
  let config: string;
  beforeAll(async () => {
    const made = await sampleGenesisBlock('decodechannel');
    bytes = made.bytes;
    config = made.tools.config;
  });

  it('reads the header, the CONFIG envelope and its data hash', () => {
    const block = decodeBlockBytes(bytes);
    expect(block.number).toBe(0);
    expect(block.channel).toBe('decodechannel');
    expect(block.previousHash.length).toBe(0);
    expect(block.malformed).toEqual([]);
    expect(block.transactions).toHaveLength(1);
    expect(block.transactions[0]!.type).toBe('CONFIG');
    const raw = common.Block.deserializeBinary(bytes);
    expect(blockDataHash(raw.getData()!.getDataList_asU8())).toEqual(block.dataHash);
  });

  it("finds every certificate of the sample MSP's definition, by role", async () => {
    const block = decodeBlockBytes(bytes);
    expect(block.config?.msps).toEqual(['SampleOrg']);
    const byRole = (role: string) => block.config!.certificates.filter((c) => c.role === role).map((c) => pemKey(c.certificate));
    const file = async (rel: string) => pemKey((await readFile(path.join(config, 'msp', rel))).toString());
    expect(byRole('ca')).toEqual([await file('cacerts/cacert.pem')]);
    expect(byRole('tls_ca')).toEqual([await file('tlscacerts/tlsroot.pem')]);
    expect(byRole('tls_intermediate_ca')).toEqual([await file('tlsintermediatecerts/tlsintermediate.pem')]);
    expect(block.config!.certificates.every((c) => c.mspId === 'SampleOrg')).toBe(true);
  });
});

describe('decodeBlock on endorser transactions', () => {
  let cert: string;
  beforeAll(async () => {
    const { tools } = await sampleGenesisBlock();
    cert = (await readFile(path.join(tools.config, 'msp/signcerts/peer.pem'))).toString();
  });

  it('reads tx ID, timestamp, creator, chaincode, function, args, endorsers, rwset, events and validation code', () => {
    const ts = Date.UTC(2026, 10, 29, 8, 0, 0, 123);
    const a = endorserEnvelope({
      channel: 'mychannel', chaincode: 'marbles', fn: 'initMarble', args: ['m1', 'blue', '35', 'tom'], mspId: 'Org1MSP', certificate: cert, timestampMs: ts,
      reads: [{ key: 'm1' }], writes: [{ key: 'm1', value: '{"x":1}' }], event: { name: 'created', payload: 'abc' },
    });
    const b = endorserEnvelope({
      channel: 'mychannel', chaincode: 'marbles', fn: 'transferMarble', args: ['m1', 'jerry'], mspId: 'Org2MSP', certificate: cert,
      reads: [{ key: 'm1', blockNumber: 3, txNumber: 1 }], writes: [{ key: 'm1', isDelete: true }],
    });
    const block = decodeBlock(testBlock(4, Buffer.alloc(32, 1), [a.bytes, b.bytes], [VALID, MVCC_READ_CONFLICT]));
    expect(block.number).toBe(4);
    expect(block.malformed).toEqual([]);
    const [t0, t1] = block.transactions;
    expect(t0).toMatchObject({
      position: 0, txId: a.txId, type: 'ENDORSER_TRANSACTION', channel: 'mychannel', timestampMs: ts,
      creator: { mspId: 'Org1MSP', certificate: cert }, validationCode: 0, validationCodeName: 'VALID',
      chaincode: 'marbles', function: 'initMarble', args: ['m1', 'blue', '35', 'tom'],
      endorsers: [{ mspId: 'Org1MSP', certificate: cert }], responseStatus: 200,
      events: [{ chaincode: 'marbles', name: 'created', payloadSize: 3 }],
    });
    expect(t0!.rwsets).toEqual([{ namespace: 'marbles', reads: [{ key: 'm1' }], writes: [{ key: 'm1', isDelete: false, valueSize: 7 }], rangeQueries: 0, collections: [] }]);
    expect(t1).toMatchObject({ position: 1, txId: b.txId, validationCodeName: 'MVCC_READ_CONFLICT', function: 'transferMarble', creator: { mspId: 'Org2MSP' } });
    expect(t1!.rwsets[0]!.reads).toEqual([{ key: 'm1', version: { blockNumber: 3, txNumber: 1 } }]);
    expect(t1!.rwsets[0]!.writes).toEqual([{ key: 'm1', isDelete: true, valueSize: 0 }]);
    expect(block.size).toBe(a.bytes.length + b.bytes.length);
  });

  it('decodes keys read and written, versions above 2^32 and other characters, as decodeRwSetBytes does', () => {
    const reads = [{ key: 'a' }, { key: 'grün', blockNumber: 2 ** 40, txNumber: 7 }];
    const env = endorserEnvelope({ channel: 'c', chaincode: 'cc', fn: 'f', mspId: 'M', certificate: cert, reads, writes: [{ key: 'b', value: 'v' }] });
    const tx = decodeBlock(testBlock(1, Buffer.alloc(32), [env.bytes], [MVCC_READ_CONFLICT])).transactions[0]!;
    const expected = [{ namespace: 'cc', reads: [{ key: 'a' }, { key: 'grün', version: { blockNumber: 2 ** 40, txNumber: 7 } }], writes: [{ key: 'b', isDelete: false, valueSize: 1 }], rangeQueries: 0, collections: [] }];
    expect(JSON.parse(JSON.stringify(tx.rwsets))).toEqual(expected);
    expect(Object.keys(tx.rwsets[0]!)).toEqual(['namespace', 'reads', 'writes', 'rangeQueries', 'collections']);
    expect(tx.rwsets).toEqual(expected);
    expect(decodeRwSetBytes(tx.rwsetBytes!)).toEqual(expected);
  });

  it('reports a malformed read as a malformed envelope', () => {
    const env = endorserEnvelope({ channel: 'c', chaincode: 'cc', fn: 'f', mspId: 'M', certificate: cert, reads: [{ key: 'readkey-x' }] });
    const bytes = Buffer.from(env.bytes);
    // KVRead { key = 1 } as a varint field: the key's string has the wrong wire type
    const at = bytes.indexOf(Buffer.concat([Buffer.from([0x0a, 0x0b, 0x0a, 0x09]), Buffer.from('readkey-x')]));
    expect(at).toBeGreaterThan(0);
    bytes[at + 2] = 0x08;
    const block = decodeBlock(testBlock(1, Buffer.alloc(32), [bytes], [VALID]));
    expect(block.transactions).toEqual([]);
    expect(block.malformed).toEqual([{ position: 0, reason: 'protobuf: field 1 has wire type 0, expected 2' }]);
  });

  it('cuts huge arguments to a bounded size', () => {
    const huge = Buffer.alloc(1 << 20, 'z');
    const env = endorserEnvelope({ channel: 'c', chaincode: 'cc', fn: 'f', args: [huge], mspId: 'M', certificate: cert });
    const tx = decodeBlock(testBlock(1, Buffer.alloc(32), [env.bytes], [VALID]), { maxArgBytes: 64 }).transactions[0]!;
    expect(tx.args[0]).toBe('z'.repeat(64) + `…(+${(1 << 20) - 64} bytes)`);
  });

  it('counts and skips malformed envelopes, and decodes the rest of the block', () => {
    const good = endorserEnvelope({ channel: 'c', chaincode: 'cc', fn: 'f', mspId: 'M', certificate: cert });
    const garbage = [Uint8Array.from([0xff, 0xff, 0xff, 0xff]), Buffer.from('not a protobuf at all, just text'), new Uint8Array()];
    const block = decodeBlock(testBlock(2, Buffer.alloc(32), [garbage[0]!, good.bytes, garbage[1]!, garbage[2]!], [VALID, VALID, VALID, VALID]));
    expect(block.transactions.map((t) => t.txId)).toEqual([good.txId]);
    expect(block.transactions[0]!.position).toBe(1);
    expect(block.malformed.map((m) => m.position)).toEqual([0, 2, 3]);
  });

  it('reads a missing validation code as NOT_VALIDATED', () => {
    const env = endorserEnvelope({ channel: 'c', chaincode: 'cc', fn: 'f', mspId: 'M', certificate: cert });
    const tx = decodeBlock(testBlock(1, Buffer.alloc(32), [env.bytes], [])).transactions[0]!;
    expect(tx.validationCodeName).toBe('NOT_VALIDATED');
  });
});
