// Records the exporter's ledger API and Prometheus answers the page tests are fed with
// (fixtures/recorded/), from a real network:
//
//   node scripts/record-fixtures.ts                      start a network (startTestNetwork with the exporter,
//                                                        Prometheus, Jaeger and a marbles workload), record, stop it
//   node scripts/record-fixtures.ts --from FILE          use a running one (scripts/livenetwork.ts writes FILE)
//
// Every answer is kept as it came (status and body); nothing is edited by hand. Prometheus queries are
// the ones the pages build (src/**/queries), so a changed query shows up as a changed fixture.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { overviewQueries } from '../src/ledger/queries/overviewQueries.ts';
import { podQueries } from '../src/pods/queries/podQueries.ts';
import { startObservedNetwork, waitFor, type ObservedNetwork } from './observednetwork.ts';

const OUT = path.resolve(import.meta.dirname, '../fixtures/recorded');

interface Recorded {
  url: string;
  status: number;
  body: unknown;
}

async function get(url: string): Promise<Recorded> {
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { url, status: r.status, body };
}

function save(kind: 'api' | 'prometheus', name: string, rec: Recorded & { expr?: string }) {
  const dir = path.join(OUT, kind);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${name}.json`),
    `${JSON.stringify({ ...rec, recordedAt: new Date().toISOString() }, null, 2)}\n`
  );
  console.log(`${kind}/${name}: HTTP ${rec.status}`);
}

interface Tx {
  txId: string;
  validationCode: string;
  function: string | null;
  chaincode: string | null;
  rwsets: Array<{ namespace: string; writes: Array<{ key: string }> }>;
}

async function record(api: string, prom: string, channel: string) {
  rmSync(OUT, { recursive: true, force: true });
  const a = async (name: string, p: string) => {
    const rec = await get(`${api}${p}`);
    save('api', name, { ...rec, url: `/api/v1${p}` });
    return rec.body as any;
  };
  const q = async (name: string, expr: string) => {
    const rec = await get(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);
    save('prometheus', name, { ...rec, url: `/api/v1/query`, expr });
  };

  await a('channels', '/channels');
  await a('channel', `/channels/${channel}`);
  await a('blocks-latest', `/channels/${channel}/blocks?limit=10`);
  const page1 = await a('blocks', `/channels/${channel}/blocks?limit=20`);
  await a('blocks-page2', `/channels/${channel}/blocks?limit=20&before=${page1.next}`);
  await a('blocks-oldest', `/channels/${channel}/blocks?limit=20&before=1`);
  await a('block-genesis', `/channels/${channel}/blocks/0`);
  await a('block-unknown', `/channels/${channel}/blocks/${page1.height + 100000}`);
  await a('channel-unknown', `/channels/nosuchchannel/blocks?limit=20`);

  // a block with a valid endorser transaction that wrote a key, and one with a read conflict
  let valid: { block: number; tx: Tx } | undefined;
  let conflict: { block: number; tx: Tx } | undefined;
  for (const b of page1.blocks as Array<{ number: number; transactionCount: number }>) {
    if (valid && conflict) {
      break;
    }
    const block = (await get(`${api}/channels/${channel}/blocks/${b.number}`)).body as { transactions: Tx[] };
    for (const tx of block.transactions) {
      if (!valid && tx.validationCode === 'VALID' && tx.function === 'transferMarble') {
        valid = { block: b.number, tx };
      }
      if (!conflict && tx.validationCode === 'MVCC_READ_CONFLICT') {
        conflict = { block: b.number, tx };
      }
    }
  }
  if (!valid || !conflict) {
    throw new Error(
      'no block among the latest 20 holds both a valid transferMarble and an MVCC_READ_CONFLICT; let the workload run longer'
    );
  }
  await a('block', `/channels/${channel}/blocks/${valid.block}`);
  await a('transaction', `/channels/${channel}/transactions/${valid.tx.txId}`);
  await a('transaction-conflict', `/channels/${channel}/transactions/${conflict.tx.txId}`);
  await a('transaction-search', `/transactions/${valid.tx.txId}`);
  await a('transaction-unknown', `/transactions/${'0'.repeat(63)}1`);
  await a('transaction-bad-id', `/transactions/not-a-tx-id`);
  const key = valid.tx.rwsets.find((r) => r.namespace === 'marbles')!.writes[0]!.key;
  await a('key-history', `/channels/${channel}/chaincodes/marbles/keys/${encodeURIComponent(key)}/history`);
  await a('key-history-empty', `/channels/${channel}/chaincodes/marbles/keys/no-such-marble/history`);
  await a('conflicts', `/channels/${channel}/conflicts?limit=50`);
  await a('certificates', '/certificates');
  await a('pods', '/pods');

  const o = overviewQueries(channel);
  for (const [name, expr] of Object.entries(o)) {
    await q(`overview-${name}`, expr);
  }
  const p = podQueries({ chaincode: 'marbles', channel });
  for (const [name, expr] of Object.entries(p)) {
    await q(`pods-${name}`, expr);
  }
  const all = podQueries({});
  for (const [name, expr] of Object.entries(all)) {
    await q(`pods-all-${name}`, expr);
  }
  await q('check-exporter', 'count(mictract_ledger_height)');
  await q('check-sidecars', 'count(count by (pod) (mictract_chaincode_invocations_total))');
  await q('check-bad-query', 'sum(');
}

async function main() {
  const from = process.argv.indexOf('--from');
  let net: ObservedNetwork | undefined;
  let info: { apiUrl: string; prometheusUrl: string; channel: string };
  if (from > 0) {
    info = JSON.parse(readFileSync(process.argv[from + 1]!, 'utf8'));
  } else {
    net = await startObservedNetwork();
    info = net;
  }
  try {
    // enough traffic for conflicts, sidecar rates (two scrapes) and the 5-minute windows to have data
    await waitFor(
      'read conflicts and sidecar metrics',
      async () => {
        const c = (await get(`${info.apiUrl}/channels/${info.channel}/conflicts`)).body as { conflicts: unknown[] };
        const r = (
          await get(
            `${info.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(rate(mictract_chaincode_invocations_total[1m])) > 0')}`
          )
        ).body as {
          data: { result: unknown[] };
        };
        return c.conflicts.length > 0 && r.data.result.length > 0;
      },
      180_000
    );
    await record(info.apiUrl, info.prometheusUrl, info.channel);
  } finally {
    await net?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
