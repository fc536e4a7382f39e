import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { readFile } from 'node:fs/promises';
import { ChannelProcessor, type ChannelCounts } from './blockprocessor';
import { CertificateTracker } from './certificatetracker';
import { ChannelReader, DEFAULT_READER_OPTIONS, type BlockSource, type ReaderOptions } from './channelreader';
import { CheckpointFile } from './checkpointfile';
import { DerivedIdGenerator } from './derivedidgenerator';
import type { ExporterConfig } from './exporterconfig';
import { ExporterMetrics } from './exportermetrics';
import { startExporterServer, type ExporterServer } from './exporterserver';
import { KubernetesPods } from './kubernetespods';
import { LedgerApi } from './ledgerapi';
import { ProfileApi } from './profile/profileapi';
import { DEFAULT_INDEX_LIMITS, LedgerIndex, type IndexLimits } from './ledgerindex';
import type { Logger } from './log';
import { PeerConnection } from './peerconnection';
import { LabelLimiter } from './sidecar/labellimiter';
import { createTracerProvider } from './tracing';
import { TxSpans } from './txspans';

// The exporter put together: one connection per configured peer (failover order), one reader per
// channel, shared metrics, certificate tracker, index and tracer, and the HTTP listener.

export const EXPORTER_SERVICE_NAME = 'mictract-exporter';

export interface ExporterOptions {
  readonly reader?: Partial<ReaderOptions>;
  readonly index?: Partial<IndexLimits>;
  /** Peers to read from instead of the configured ones (tests). */
  readonly sources?: readonly BlockSource[];
}

export class Exporter {
  private constructor(
    readonly metrics: ExporterMetrics,
    readonly index: LedgerIndex,
    readonly certificates: CertificateTracker,
    readonly readers: ReadonlyMap<string, ChannelReader>,
    readonly server: ExporterServer,
    private readonly connections: readonly PeerConnection[],
    private readonly tracerProvider: TracerProvider | undefined,
    private readonly log: Logger,
    private readonly clusterPods?: KubernetesPods,
  ) {}

  /** host:port of /metrics and the ledger API. */
  get address(): string {
    return this.server.address;
  }

  static async start(config: ExporterConfig, log: Logger, options: ExporterOptions = {}): Promise<Exporter> {
    const metrics = new ExporterMetrics();
    const index = new LedgerIndex({ ...DEFAULT_INDEX_LIMITS, ...options.index });
    const certificates = new CertificateTracker(metrics.certificateExpiry);
    const ids = new DerivedIdGenerator();
    const tracerProvider = config.otlpUrl
      ? createTracerProvider({ serviceName: EXPORTER_SERVICE_NAME, otlpUrl: config.otlpUrl, idGenerator: ids, resource: { ...config.resource }, counters: metrics.spanCounters(), maxQueueSize: 8192 })
      : undefined;
    const spans = tracerProvider ? new TxSpans(tracerProvider.getTracer(EXPORTER_SERVICE_NAME), ids) : undefined;
    const connections: PeerConnection[] = [];
    let sources = options.sources;
    if (!sources) {
      const identity = {
        mspId: config.identity.mspId,
        certificate: await readFile(config.identity.certificate),
        privateKey: await readFile(config.identity.privateKey),
      };
      for (const peer of config.peers) {
        connections.push(new PeerConnection({ endpoint: peer.endpoint, tlsCaCert: await readFile(peer.tlsCaCert), ...(peer.hostnameOverride ? { hostnameOverride: peer.hostnameOverride } : {}) }, identity));
      }
      sources = connections;
    }
    const functions = new LabelLimiter();
    const readers = new Map<string, ChannelReader>();
    const processors = new Map<string, ChannelProcessor>();
    for (const channel of config.channels) {
      const checkpoints = new CheckpointFile<ChannelCounts>(config.checkpointDir, channel, (err) => {
        metrics.checkpointErrors.inc({ channel });
        log.log('error', 'checkpoint write failed', { channel, reason: err.message });
      });
      const checkpoint = await checkpoints.load();
      const processor = new ChannelProcessor(channel, { metrics, index, certificates, ...(spans ? { spans } : {}), log, functions }, checkpoint);
      log.log('info', checkpoint ? 'resuming from checkpoint' : 'no checkpoint: reading from block 0', { channel, next_block: processor.nextBlock });
      processors.set(channel, processor);
      readers.set(channel, new ChannelReader(channel, processor, checkpoints, sources, metrics, log, { ...DEFAULT_READER_OPTIONS, ...options.reader }));
    }
    // the ledger API asks the peers in the configured order, the next one when a peer fails
    const fromPeers = async (ask: (c: PeerConnection) => Promise<Uint8Array>): Promise<Uint8Array> => {
      let last: unknown;
      for (const c of connections) {
        try {
          return await ask(c);
        } catch (err) {
          last = err;
        }
      }
      throw last instanceof Error ? last : new Error('no peer answered');
    };
    // in a cluster the chaincode pods come from the Kubernetes API (client-node is loaded only then)
    const clusterPods = config.kubernetesPods
      ? await KubernetesPods.start({ ...config.kubernetesPods, log: (level, message, fields) => log.log(level, message, fields) }).catch((err: unknown) => {
          for (const c of connections) c.close();
          throw err;
        })
      : undefined;
    const api = new LedgerApi({
      index,
      certificates,
      channels: () => config.channels.map((name) => ({ name, height: processors.get(name)!.nextBlock, ...(readers.get(name)!.height ? { peerHeight: readers.get(name)!.height } : {}) })),
      ...(connections.length > 0
        ? {
            fetchBlock: (channel: string, n: number) => fromPeers((c) => c.blockByNumber(channel, n)),
            fetchBlockByTxId: (channel: string, txId: string) => fromPeers((c) => c.blockByTxId(channel, txId)),
          }
        : {}),
      ...(config.podsFile ? { podsFile: config.podsFile } : {}),
      ...(clusterPods ? { clusterPods } : {}),
    });
    let server: ExporterServer;
    try {
      const profileToken = config.profileTokenFile ? (await readFile(config.profileTokenFile, 'utf8')).trim() : undefined;
      const profiles = new ProfileApi({ ...(config.podsFile ? { podsFile: config.podsFile } : {}), ...(profileToken ? { token: profileToken } : {}) });
      server = await startExporterServer(config.listen, metrics, api, profiles);
    } catch (err) {
      for (const c of connections) c.close();
      await clusterPods?.stop();
      throw err;
    }
    for (const reader of readers.values()) reader.start();
    log.log('info', 'exporter serving', { listen: server.address, channels: config.channels.join(','), peers: config.peers.map((p) => p.endpoint).join(','), otlp: config.otlpUrl ?? 'off' });
    return new Exporter(metrics, index, certificates, readers, server, connections, tracerProvider, log, clusterPods);
  }

  /** Stops reading (writing the final checkpoints), flushes spans, closes the listener and connections. */
  async stop(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
    await this.tracerProvider?.shutdown().catch((err: Error) => this.log.log('warn', 'span flush at shutdown failed', { reason: err.message }));
    await this.server.close();
    await this.clusterPods?.stop();
    for (const c of this.connections) c.close();
  }
}
