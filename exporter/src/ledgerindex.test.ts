import { decodeBlock } from './blockdecoder';
import type { Verification } from './chainverifier';
import type { DecodedBlock, DecodedTransaction } from './decodedblock';
import { LedgerIndex, type KeyWriteRecord } from './ledgerindex';
import { endorserEnvelope, testBlock } from './testblocks';
import { MVCC_READ_CONFLICT, VALID } from './validationcode';

// The index's bounds: blocks and key histories are evicted oldest first, where a key written again
// counts as new (least recently written goes first).

const ok: Verification = { ok: true, failed: [], previousChecked: true, headerHash: '00' };
let position = 0;

function write(...keys: string[]): DecodedTransaction {
  return {
    position: position++,
    txId: `tx${position}`,
    type: 'ENDORSER_TRANSACTION',
    channel: 'ch',
    validationCode: VALID,
    validationCodeName: 'VALID',
    chaincode: 'marbles',
    function: 'put',
    args: [],
    endorsers: [],
    rwsets: [{ namespace: 'marbles', reads: [], writes: keys.map((key) => ({ key, isDelete: false, valueSize: 1 })), rangeQueries: 0, collections: [] }],
    events: [],
    size: 1,
  };
}

function block(number: number, ...txs: DecodedTransaction[]): DecodedBlock {
  return { channel: 'ch', number, previousHash: Buffer.alloc(32), dataHash: Buffer.alloc(32), size: 1, transactions: txs, malformed: [] };
}

const held = (index: LedgerIndex, keys: string[]) => keys.filter((k) => index.keyHistory('ch', 'marbles', k) !== undefined);

describe('LedgerIndex bounds', () => {
  it('keeps the most recently written keys, a key written again counting as new', () => {
    const index = new LedgerIndex({ blocks: 100, transactions: 1000, historyKeys: 3, historyPerKey: 10, conflictKeys: 10 });
    index.add(block(0, write('a', 'b', 'c')), ok, 0);
    index.add(block(1, write('a'), write('d')), ok, 0); // a moves to the end; d evicts b
    expect(held(index, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    index.add(block(2, write('e'), write('c'), write('f')), ok, 0); // e evicts c; c comes back and evicts a; f evicts d
    expect(held(index, ['a', 'b', 'c', 'd', 'e', 'f'])).toEqual(['c', 'e', 'f']);
    for (let n = 3; n < 300; n++) index.add(block(n, write(`k${n}`), write('e')), ok, 0);
    expect(held(index, ['c', 'e', 'f', 'k297', 'k298', 'k299'])).toEqual(['e', 'k298', 'k299']);
    expect(index.keyHistory('ch', 'marbles', 'e')).toHaveLength(10);
  });

  it('keeps the newest blocks, a block added again counting as new', () => {
    const index = new LedgerIndex({ blocks: 3, transactions: 1000, historyKeys: 10, historyPerKey: 10, conflictKeys: 10 });
    for (let n = 0; n < 3; n++) index.add(block(n, write('x')), ok, 0);
    index.add(block(0, write('x')), ok, 0); // replaced: now the newest
    index.add(block(3, write('x')), ok, 0);
    expect(index.blocksNewestFirst('ch', 10).map((b) => b.number)).toEqual([3, 2, 0]);
    for (let n = 4; n < 200; n++) index.add(block(n, write('x')), ok, 0);
    expect(index.blocksNewestFirst('ch', 10).map((b) => b.number)).toEqual([199, 198, 197]);
  });
});

describe('LedgerIndex holding blocks as read/write set bytes', () => {
  const cert = '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n';
  const envelope = (fn: string, reads: { key: string; blockNumber?: number; txNumber?: number }[], writes: { key: string; value?: string; isDelete?: boolean }[]) =>
    endorserEnvelope({ channel: 'ch', chaincode: 'marbles', fn, args: ['m1', 'tom'], mspId: 'Org1MSP', certificate: cert, timestampMs: Date.UTC(2026, 10, 29), reads, writes, event: { name: 'moved', payload: 'x' } });

  it('serves held transactions exactly as it describes the decoded block', () => {
    const envs = [
      envelope('initMarble', [{ key: 'm1' }], [{ key: 'm1', value: '{"a":1}' }, { key: '\u0000color~name\u0000blue\u0000m1\u0000', value: '\u0000' }]),
      envelope('transferMarble', [{ key: 'm1', blockNumber: 3, txNumber: 1 }, { key: '\u0000color~name\u0000blue\u0000m1\u0000', blockNumber: 3, txNumber: 1 }], [{ key: 'm1', isDelete: true }]),
    ];
    const decoded = decodeBlock(testBlock(7, Buffer.alloc(32, 1), envs.map((e) => e.bytes), [VALID, MVCC_READ_CONFLICT]), { channel: 'ch' });
    expect(decoded.transactions.every((t) => t.rwsetBytes !== undefined)).toBe(true);
    const index = new LedgerIndex();
    const expected = JSON.parse(JSON.stringify(index.describe(decoded, ok, 5)));
    index.add(decoded, ok, 5);
    expect(JSON.parse(JSON.stringify(index.block('ch', 7)))).toEqual(expected);
    expect(index.block('ch', 7)!.transactions[0]!.rwsets).toEqual(decoded.transactions[0]!.rwsets);
    expect(JSON.parse(JSON.stringify(index.transaction(envs[1]!.txId)))).toEqual({ channel: 'ch', tx: expected.transactions[1] });
    expect(index.keyHistory('ch', 'marbles', '\u0000color~name\u0000blue\u0000m1\u0000')).toEqual([{ blockNumber: 7, txNumber: 0, txId: envs[0]!.txId, timestampMs: Date.UTC(2026, 10, 29), isDelete: false, valueSize: 1 }]);
    // the conflicting reads name both keys written before them in the block; a composite key keeps its own separators
    expect(index.topConflictingKeys('ch', 10)).toEqual([
      { chaincode: 'marbles', key: 'm1', conflicts: 1 },
      { chaincode: 'marbles', key: '\u0000color~name\u0000blue\u0000m1\u0000', conflicts: 1 },
    ]);
  });

  it.each([5, 0])('keeps the same key histories as a Map in least-recently-written order would (%i writes per key)', (historyPerKey) => {
    const limits = { blocks: 1000, transactions: 100_000, historyKeys: 40, historyPerKey, conflictKeys: 10 };
    const index = new LedgerIndex(limits);
    const model = new Map<string, KeyWriteRecord[]>();
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let n = 0; n < 400; n++) {
      const txs = Array.from({ length: 1 + random(4) }, () => write(...Array.from({ length: 1 + random(3) }, () => `k${random(60)}`)));
      index.add(block(n, ...txs), ok, 0);
      for (const t of txs) {
        for (const w of t.rwsets[0]!.writes) {
          const list = model.get(w.key) ?? [];
          model.delete(w.key);
          list.push({ blockNumber: n, txNumber: t.position, txId: t.txId, isDelete: false, valueSize: 1 });
          if (list.length > limits.historyPerKey) list.shift();
          model.set(w.key, list);
          if (model.size > limits.historyKeys) model.delete(model.keys().next().value!);
        }
      }
    }
    expect(index.keyHistories('ch')).toEqual([...model].map(([k, list]) => [`marbles\u0000${k}`, list]));
    for (let k = 0; k < 60; k++) expect(index.keyHistory('ch', 'marbles', `k${k}`)).toEqual(model.get(`k${k}`)?.slice().reverse());
  });

  it('counts conflicting keys as a scan for the least counted key would (space-saving, earliest first among equals)', () => {
    const limits = { blocks: 1000, transactions: 100_000, historyKeys: 10, historyPerKey: 5, conflictKeys: 8 };
    const index = new LedgerIndex(limits);
    const model = new Map<string, number>();
    let seed = 11;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let n = 0; n < 300; n++) {
      // a conflicting transaction that read keys nobody wrote: every key it read counts
      const keys = Array.from({ length: 1 + random(3) }, () => `c${random(20)}`);
      const tx: DecodedTransaction = { ...write(), validationCode: MVCC_READ_CONFLICT, validationCodeName: 'MVCC_READ_CONFLICT', rwsets: [{ namespace: 'marbles', reads: keys.map((key) => ({ key })), writes: [], rangeQueries: 0, collections: [] }] };
      index.add(block(n, tx), ok, 0);
      for (const key of keys) {
        const k = `marbles\u0000${key}`;
        const c = model.get(k);
        if (c !== undefined) model.set(k, c + 1);
        else if (model.size < limits.conflictKeys) model.set(k, 1);
        else {
          let least = '';
          let min = Infinity;
          for (const [m, v] of model) if (v < min) [least, min] = [m, v];
          model.delete(least);
          model.set(k, min + 1);
        }
      }
      const expected = [...model].sort((a, b) => b[1] - a[1]).map(([k, conflicts]) => ({ chaincode: 'marbles', key: k.slice(8), conflicts }));
      expect(index.topConflictingKeys('ch', 100)).toEqual(expected);
    }
  });

  it('serves a block read before its slab was reused as it was', () => {
    const index = new LedgerIndex({ blocks: 3, transactions: 100_000, historyKeys: 10, historyPerKey: 1, conflictKeys: 10 });
    const txs = (n: number) => Array.from({ length: 100 }, () => ({ ...write(`k${n}`), function: `f${n}`.repeat(20) }));
    index.add(block(0, ...txs(0)), ok, 0);
    const first = index.block('ch', 0)!;
    const ids = index.blocksNewestFirst('ch', 1)[0]!.transactions.map((t) => t.txId);
    // 12,000 transactions of about 200 bytes each: the first 1 MB slab is filled, emptied and filled again
    for (let n = 1; n < 120; n++) index.add(block(n, ...txs(n)), ok, 0);
    expect(index.block('ch', 0)).toBeUndefined();
    expect(first.transactions.map((t) => t.txId)).toEqual(ids);
    expect(first.transactions.every((t) => t.function === 'f0'.repeat(20))).toBe(true);
    expect(index.block('ch', 119)!.transactions.every((t) => t.function === 'f119'.repeat(20))).toBe(true);
  });
});
