import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort, until } from './ports';

/** The Jaeger v2 binary built by tools/build.sh. */
export const JAEGER_BIN = path.resolve(__dirname, '../../../.cache/bin/jaeger');

export interface Jaeger {
  readonly otlpHttp: string; // e.g. http://127.0.0.1:43181 (POST /v1/traces)
  readonly query: string; // e.g. http://127.0.0.1:43182 (GET /api/v3/traces/{id})
  stop(): Promise<void>;
}

/**
 * Starts Jaeger v2 all-in-one with in-memory storage on free loopback ports, and waits until it is healthy.
 * Fails (never skips) when the binary is missing, saying how to build it.
 */
export async function startJaeger(): Promise<Jaeger> {
  await access(JAEGER_BIN).catch(() => {
    throw new Error(`Jaeger is not built (${JAEGER_BIN} is missing): run tools/build.sh (./dev setup does it)`);
  });
  const [otlp, query, queryGrpc, health] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const at = (port: number) => `127.0.0.1:${port}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-jaeger-'));
  const config = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: 100000 } } } },
      jaeger_query: { storage: { traces: 'memstore' }, http: { endpoint: at(query) }, grpc: { endpoint: at(queryGrpc) } },
      healthcheckv2: { use_v2: true, http: { endpoint: at(health) } },
    },
    receivers: { otlp: { protocols: { http: { endpoint: at(otlp) } } } },
    processors: { batch: { timeout: '100ms' } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
  const configFile = path.join(dir, 'jaeger.yaml');
  await writeFile(configFile, stringify(config));
  const child: ChildProcess = spawn(JAEGER_BIN, ['--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // After any query, Jaeger 1.76 takes 10 s to shut down (its query server waits out a timeout).
      // Its store is in memory and disposable, so after a short grace it is killed.
      const killer = setTimeout(() => child.kill('SIGKILL'), 1_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until('Jaeger to become healthy', async () => {
      if (child.exitCode !== null) throw new Error(`jaeger exited with code ${child.exitCode}: ${stderr}`);
      const res = await httpGet(`http://${at(health)}/status`);
      return res.status === 200 ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { otlpHttp: `http://${at(otlp)}`, query: `http://${at(query)}`, stop };
}

/** One span of a trace as Jaeger's API v3 returns it (OTLP JSON, hex IDs). */
export interface StoredSpan {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Record<string, unknown>;
}

/** Fetches a trace by ID; an empty list while Jaeger has none of it. */
export async function getTrace(jaeger: Jaeger, traceId: string): Promise<StoredSpan[]> {
  const res = await httpGet(`${jaeger.query}/api/v3/traces/${traceId}`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`Jaeger answered ${res.status}: ${res.body}`);
  const body = JSON.parse(res.body) as { result?: { resourceSpans?: OtlpResourceSpans[] } };
  return (body.result?.resourceSpans ?? []).flatMap((rs) => {
    const service = String(attributeValue(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value) ?? '');
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        service,
        name: s.name,
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, attributeValue(a.value)])),
      })),
    );
  });
}

interface OtlpAttribute {
  key: string;
  value?: Record<string, unknown>;
}
interface OtlpResourceSpans {
  resource?: { attributes?: OtlpAttribute[] };
  scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: OtlpAttribute[] }[] }[];
}

function attributeValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('boolValue' in v) return v.boolValue;
  if ('doubleValue' in v) return v.doubleValue;
  return v;
}

/** A plain GET without connection pooling, so nothing of this process stays open to Jaeger. */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}
