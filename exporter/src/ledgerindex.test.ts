import type { Verification } from './chainverifier';
import type { DecodedBlock, DecodedTransaction } from './decodedblock';
import { LedgerIndex } from './ledgerindex';
import { VALID } from './validationcode';

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
