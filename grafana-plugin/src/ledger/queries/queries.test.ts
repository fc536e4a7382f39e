import { overviewQueries } from './overviewQueries';
import { parseSearch } from './searchQuery';

describe('overviewQueries', () => {
  it('builds the channel overview queries for one channel', () => {
    const q = overviewQueries('my"chan');
    expect(q.txRate).toBe('sum(rate(mictract_transactions_total{channel="my\\"chan"}[1m]))');
    expect(q.validationCodes).toBe('sum by (validation_code) (mictract_transactions_total{channel="my\\"chan"})');
    expect(q.peerHeights).toBe('max by (instance_name, instance, org) (ledger_blockchain_height{channel="my\\"chan"})');
    expect(q.commitLatencyP95).toContain('mictract_transaction_commit_latency_seconds_bucket');
    expect(q.exporterLag).toBe('max(mictract_exporter_lag_blocks{channel="my\\"chan"})');
  });
});

describe('parseSearch', () => {
  const tx = 'ab'.repeat(32);
  it.each([
    ['', { kind: 'empty' }],
    [`  ${tx.toUpperCase()} `, { kind: 'tx', txId: tx }],
    ['42', { kind: 'block', number: 42 }],
    ['#7', { kind: 'block', number: 7 }],
  ])('%p', (input, expected) => expect(parseSearch(input)).toEqual(expected));

  it('says why other input is neither', () => {
    expect(parseSearch('abc')).toEqual({
      kind: 'invalid',
      reason: 'a transaction ID has 64 hex characters; this has 3',
    });
    expect(parseSearch('99999999999999999999').kind).toBe('invalid');
    expect(parseSearch('marble-1').kind).toBe('invalid');
  });
});
