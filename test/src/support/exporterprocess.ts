import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { evaluate, submit, TxFailure, type GatewayConnection, type TestNetwork } from '@mictract/provisioner';
import { nodePaths, userPaths } from '@mictract/provisioner/dist/crypto/layout';
import { freePort, until } from './ports';

// The exporter as its own process against a test network (as `mictract up` runs it), a known marbles
// workload whose committed outcomes are tallied, and readers for the exporter's metrics and API.

export const CHANNEL = 'mychannel';
const EXPORTER_MAIN = path.resolve(__dirname, '../../../exporter/dist/exportermain.js');

export interface ExporterProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export async function writeExporterConfig(net: TestNetwork, dir: string, name: string, otlpUrl?: string): Promise<{ file: string; listen: string }> {
  const org = net.network.organizations[0]!;
  const ref = { kind: 'peer' as const, domain: org.domain };
  const user = userPaths(net.dirs.crypto, ref, 'User1');
  const listen = `127.0.0.1:${await freePort()}`;
  const config = {
    peers: org.peers.map((p) => ({ endpoint: `${p.listen.host}:${p.listen.port}`, tlsCaCert: nodePaths(net.dirs.crypto, ref, p.name).tls.ca, hostnameOverride: p.fqdn })),
    identity: { mspId: org.mspId, certificate: user.msp.signcert, privateKey: user.msp.key },
    channels: [CHANNEL],
    checkpointDir: path.join(dir, `${name}-checkpoints`),
    listen,
    ...(otlpUrl ? { otlpUrl } : {}),
  };
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, stringify(config));
  return { file, listen };
}

export async function startExporter(configFile: string, listen: string): Promise<ExporterProcess> {
  const child = spawn(process.execPath, [EXPORTER_MAIN, '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const exited = once(child, 'exit');
  const url = `http://${listen}`;
  await until('the exporter to serve', async () => {
    if (child.exitCode !== null) throw new Error(`exporter exited ${child.exitCode}: ${err}`);
    const res = await fetch(`${url}/healthz`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  });
  return {
    url,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function api<T>(exporter: ExporterProcess, p: string): Promise<T> {
  const res = await fetch(`${exporter.url}/api/v1${p}`);
  if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function height(exporter: ExporterProcess): Promise<number> {
  return (await api<{ height: number }>(exporter, `/channels/${CHANNEL}`)).height;
}

/** Samples of one metric family from the classic text format: label set → value. */
export async function samples(exporter: ExporterProcess, name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

/** mictract_transactions_total of marbles as `function/VALIDATION_CODE` → count. */
export async function marblesCounts(exporter: ExporterProcess): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const s of await samples(exporter, 'mictract_transactions_total')) {
    if (s.labels.chaincode === 'marbles' && s.labels.channel === CHANNEL) counts[`${s.labels.function}/${s.labels.validation_code}`] = s.value;
  }
  return counts;
}

/** A workload whose committed outcomes are tallied as they happen. */
export class Tally {
  readonly counts: Record<string, number> = {};
  readonly txIds: { fn: string; txId: string; code: string; block: number }[] = [];
  lastBlock = 0;

  async submit(conn: GatewayConnection, fn: string, args: string[]): Promise<string | undefined> {
    try {
      const r = await submit(conn.contract('marbles'), fn, args);
      this.note(fn, r.txId, 'VALID', Number(r.blockNumber));
      return r.txId;
    } catch (err) {
      if (err instanceof TxFailure && err.stage === 'commit' && err.validationCode) {
        this.note(fn, err.txId, err.validationCode, Number(err.blockNumber));
        return err.txId;
      }
      if (err instanceof TxFailure && err.stage === 'endorse') return undefined; // never ordered, never in a block
      throw err;
    }
  }

  private note(fn: string, txId: string, code: string, block: number): void {
    const k = `${fn}/${code}`;
    this.counts[k] = (this.counts[k] ?? 0) + 1;
    this.txIds.push({ fn, txId, code, block });
    this.lastBlock = Math.max(this.lastBlock, block);
  }
}

/** One round: creates, concurrent transfers of one marble (MVCC conflicts), a delete, and reads that commit nothing. */
export async function round(conn: GatewayConnection, tally: Tally, tag: string): Promise<void> {
  await Promise.all(['a', 'b', 'c', 'd'].map((s, i) => tally.submit(conn, 'initMarble', [`${tag}-${s}`, i % 2 ? 'blue' : 'red', String(10 + i), 'tom'])));
  await Promise.all(['jerry', 'ann', 'bob', 'eve', 'kim'].map((owner) => tally.submit(conn, 'transferMarble', [`${tag}-a`, owner])));
  await tally.submit(conn, 'initMarble', [`${tag}-a`, 'red', '1', 'dup']); // already exists: endorsement fails
  await tally.submit(conn, 'delete', [`${tag}-d`]);
  // evaluated only: never committed, never counted (it may fail if the create above was not endorsed)
  await evaluate(conn.contract('marbles'), 'readMarble', [`${tag}-b`]).catch(() => undefined);
}
